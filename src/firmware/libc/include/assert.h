/* Freestanding <assert.h>: static assertions only; no runtime assert. */
#ifndef MIGTD_FW_ASSERT_H
#define MIGTD_FW_ASSERT_H
#define assert(x) ((void)0)
#ifndef static_assert
#define static_assert _Static_assert
#endif
#endif
