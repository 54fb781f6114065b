/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * Freestanding <stdlib.h>: no heap, no exit. mbedTLS gets its heap from
 * MBEDTLS_MEMORY_BUFFER_ALLOC_C, the core never allocates.
 */
#ifndef MIGTD_FW_STDLIB_H
#define MIGTD_FW_STDLIB_H
#include <stddef.h>
#endif
