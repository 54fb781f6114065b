/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Freestanding <stdio.h>: only the types mbedTLS's platform layer names.
 * Formatting goes through mbedtls_snprintf, a hook the firmware sets.
 */
#ifndef MIGTD_FW_STDIO_H
#define MIGTD_FW_STDIO_H
#include <stddef.h>
#include <stdarg.h>
typedef struct migtd_fw_file FILE;
#endif
