/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/* Freestanding <assert.h>: static assertions only; no runtime assert. */
#ifndef MIGTD_FW_ASSERT_H
#define MIGTD_FW_ASSERT_H
#define assert(x) ((void)0)
#ifndef static_assert
#define static_assert _Static_assert
#endif
#endif
