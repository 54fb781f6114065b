/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/* Freestanding <inttypes.h>: the integer types; no PRI* formats needed. */
#ifndef MIGTD_FW_INTTYPES_H
#define MIGTD_FW_INTTYPES_H
#include <stdint.h>
#endif
