/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * v2.h -- migtd-policy's policy v2 commands (v2.c, docs/policy-v2.md).
 */
#ifndef MIGTD_POLICY_TOOL_V2_H
#define MIGTD_POLICY_TOOL_V2_H

#include <stdio.h>

void policy_v2_usage(FILE *out);
int policy_v2_cmd_sign(int argc, char **argv);
int policy_v2_cmd_verify(int argc, char **argv);
int policy_v2_cmd_generate(int argc, char **argv);
/* eval with --issuer-chain: the v2 evaluation. */
int policy_v2_cmd_eval(int argc, char **argv);

#endif
