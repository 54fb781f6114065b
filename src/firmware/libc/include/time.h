/* Freestanding <time.h>: MigTD has no trusted clock; time is an input. */
#ifndef MIGTD_FW_TIME_H
#define MIGTD_FW_TIME_H
typedef long long time_t;
#endif
