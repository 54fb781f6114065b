#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause-Patent
# Copyright (c) 2026 The migtd-c authors
# TD-path lint (docs/td-path.md): in a TD, IN/OUT/INS/OUTS/HLT/RDMSR/WRMSR
# raise #VE, so the firmware executes them only on plain-VM-only paths and
# asks the VMM (TDG.VP.VMCALL) everywhere else. This checks the built
# firmware of every transport: each such instruction in the 64-bit code
# (objdump of .text) must lie in a function on the allow-list below, and in
# the assembly sources (the 16/32-bit reset vector cannot be disassembled
# as one mode) only inside the plain-VM-only label vm_set_efer_lme.
# It then proves it can fail: an object with a raw HLT in another function
# must be rejected.
set -uo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory -s build/fs/migtd-fw.elf build/fs/migtd-fw-serial.elf \
  build/fs/migtd-fw-serial-ports.elf >/dev/null || exit 1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT

# function -> instructions it may execute (plain-VM-only, or TD-legal)
ALLOW='vm_outb:out vm_outw:out vm_outl:out vm_inb:in vm_inl:in vm_halt_forever:hlt
vm_sti_hlt:hlt td_x2apic_eoi:wrmsr'

# Prints "function mnemonic" for every offending instruction of an object.
offenders() { # elf
  objdump -d --no-show-raw-insn -j .text "$1" | awk -v allow="$ALLOW" '
    BEGIN { n = split(allow, a, /[ \n]+/); for (i = 1; i <= n; i++) ok[a[i]] = 1 }
    /^[0-9a-f]+ <[^>]*>:$/ { sym = substr($2, 2, length($2) - 3); sub(/\..*/, "", sym); next }
    /^ +[0-9a-f]+:\t/ {
      split($0, f, "\t"); split(f[2], w, " ")
      m = w[1]; if (m == "rep" || m == "repz" || m == "repnz") m = w[2]
      if (m ~ /^(in|out|ins[bwl]?|outs[bwl]?|hlt|rdmsr|wrmsr)$/) {
        if (!((sym ":" m) in ok)) print sym, m
      }
    }'
}

fail=0
for elf in build/fs/migtd-fw.elf build/fs/migtd-fw-serial.elf build/fs/migtd-fw-serial-ports.elf; do
  bad=$(offenders "$elf")
  n=$(objdump -d --no-show-raw-insn -j .text "$elf" | grep -cE $'\t(in|out|hlt|rdmsr|wrmsr)( |$)')
  if [ -n "$bad" ]; then
    echo "FAIL: $elf executes these outside the plain-VM allow-list:"; echo "$bad" | sed 's/^/   /'
    fail=1
  else
    echo "== $elf: $n raw port/HLT/MSR instructions, all in allowed functions"
  fi
done

# Assembly sources: the reset vector runs 16/32-bit code objdump cannot
# split by mode; check the source instead (comments and directives skipped).
bad=$(awk '
  /^[A-Za-z_][A-Za-z0-9_]*:/ { lab = $1; sub(/:.*/, "", lab) }
  { line = $0; sub(/\/\*.*$/, "", line) }
  line ~ /^[ \t]+(rep[a-z]* +)?(in[bwl]?|out[bwl]?|ins[bwl]?|outs[bwl]?|hlt|rdmsr|wrmsr)([ \t]|$)/ {
    if (lab != "vm_set_efer_lme") print FILENAME ":" FNR " (" lab "): " line
  }' $(find src/firmware -name '*.S'))
if [ -n "$bad" ]; then
  echo "FAIL: assembly executes these outside vm_set_efer_lme:"; echo "$bad" | sed 's/^/   /'
  fail=1
else
  echo "== assembly sources: RDMSR/WRMSR only in vm_set_efer_lme (plain VM), no HLT/IN/OUT"
fi

# The lint must be able to fail.
printf 'void fw_tdx_wait(void) { __asm__ volatile("sti; hlt"); }\nvoid vm_sti_hlt(void) { __asm__ volatile("hlt"); }\n' >"$t/bad.c"
cc -c -O2 "$t/bad.c" -o "$t/bad.o" || exit 1
bad=$(offenders "$t/bad.o")
[ "$bad" = "fw_tdx_wait hlt" ] || { echo "FAIL: the lint missed a raw hlt (got '$bad')"; fail=1; }
[ $fail = 0 ] && echo "== a raw HLT in fw_tdx_wait is caught, the allowed vm_sti_hlt is not"
[ $fail = 0 ] && echo "firmware TD lint: ok"
exit $fail
