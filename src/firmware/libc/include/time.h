/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/* Freestanding <time.h>: MigTD has no trusted clock; time is an input. */
#ifndef MIGTD_FW_TIME_H
#define MIGTD_FW_TIME_H
typedef long long time_t;
#endif
