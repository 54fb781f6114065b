/* Freestanding <inttypes.h>: the integer types; no PRI* formats needed. */
#ifndef MIGTD_FW_INTTYPES_H
#define MIGTD_FW_INTTYPES_H
#include <stdint.h>
#endif
