/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * vmm_tool.h -- what the files of the migtd-vmm program share (not a
 * library header: tools/migtd-vmm/ only).
 */
#ifndef MIGTD_VMM_TOOL_H
#define MIGTD_VMM_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

int vmm_parse_hex(const char *s, uint8_t *out, size_t n);
int vmm_parse_u16(const char *s, uint16_t *out);
/* "MIN:MAX" */
int vmm_parse_range(const char *s, uint16_t *lo, uint16_t *hi);
/* The program `name` next to argv[0] (build/bin/ or build/san/bin/). */
int vmm_sibling_path(const char *self, const char *name, char *out, size_t cap);
/* The migtd program next to argv[0]. */
int vmm_migtd_path(const char *self, char *out, size_t cap);

/* A copy of the firmware image `in` at `out` with policy and root CA
 * enrolled in its CFV (what a VM MigTD boots); issuer_chain: `root` is the
 * policy issuer chain instead, a policy v2 image. */
int vmm_vm_image(const char *in, const char *out, const char *policy, const char *root,
		 bool issuer_chain, char *msg, size_t msglen);
/* pki_v2.c: pki policy-issuer DIR, pki policy-v2 (docs/policy-v2.md). */
int vmm_cmd_pki_policy_issuer(int argc, char **argv);
int vmm_cmd_pki_policy_v2(int argc, char **argv);
/* premig.c: one implementation, two faces. */
int cmd_demo(int argc, char **argv, const char *self);
int cmd_run(int argc, char **argv, const char *self);
void premig_usage(FILE *f);

#endif /* MIGTD_VMM_TOOL_H */
