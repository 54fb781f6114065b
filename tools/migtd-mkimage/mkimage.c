/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * migtd-mkimage -- assemble build/migtd.bin from the firmware payload blob.
 *
 *   migtd-mkimage --payload build/fs/migtd-fw.bin -o build/migtd.bin
 *
 * The blob is `objcopy -O binary` of the firmware ELF: the image from
 * FW_PAYLOAD_OFFSET to the end (payload, gap, reset vector page). This tool
 * adds what the linker cannot compute, all derived from
 * config/image_layout.h (the one layout description):
 *
 *  - the CFV at FW_CFV_OFFSET: an empty firmware volume of the docs/protocol.md §9.3
 *    shape (FV header "_FVH" with checksum, block map, pad file, extension
 *    header; the rest erased to 0xFF) that migtd-image enrolls files into;
 *  - the TDX metadata page (docs/protocol.md §9.2): metadata GUID, "TDVF" descriptor,
 *    sections BFV, TdInfo, Payload, CFV, TempMem, PermMem;
 *  - the OVMF GUIDed table at the end of the image (footer GUID at
 *    image_size - 0x30, TDX metadata offset entry) and the legacy
 *    descriptor offset at image_size - 0x20.
 *
 * It refuses to overwrite anything the linker placed there (those bytes
 * must be zero in the blob). The image is written atomically and the exit
 * status follows docs/cli.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_layout.h"
#include "../common/atomic_file.h"
#include "../common/cli.h"
#include "../common/toolutil.h"

static const char *prog = "migtd-mkimage";

#define U32(x) ((uint32_t)(x))
#define U64(x) ((uint64_t)(x))

/* docs/protocol.md §9.2 / §9.3 GUIDs, in their on-disk byte order. */
static const uint8_t guid_tdx_metadata[16] = { 0xf3, 0xf9, 0xea, 0xe9, 0x8e, 0x16, 0xd5, 0x44,
					       0xa8, 0xeb, 0x7f, 0x4d, 0x87, 0x38, 0xf6, 0xae };
static const uint8_t guid_ovmf_footer[16] = { 0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
					      0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d };
static const uint8_t guid_tdx_metadata_offset[16] = { 0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98,
						      0x98, 0x47, 0x86, 0x5e, 0x46, 0x85,
						      0xa7, 0xbf, 0x8e, 0xc2 };
static const uint8_t guid_ffs3[16] = { 0x7a, 0xc0, 0x73, 0x54, 0xcb, 0x3d, 0xca, 0x4d,
				       0xbd, 0x6f, 0x1e, 0x96, 0x89, 0xe7, 0x34, 0x9a };

enum {
	SEC_BFV = 0,
	SEC_CFV = 1,
	SEC_TEMPMEM = 3,
	SEC_PERMMEM = 4,
	SEC_PAYLOAD = 5,
	SEC_TDINFO = 7
};
enum { ATTR_EXTENDMR = 1, ATTR_PAGE_AUG = 2 };

struct section {
	uint32_t data_offset, raw_size;
	uint64_t gpa, mem_size;
	uint32_t type, attributes;
};

/* Order as upstream's metadata.json (docs/protocol.md §9.2 table). */
static const struct section sections[] = {
	{ U32(FW_BFV_OFFSET), U32(FW_BFV_SIZE), U64(FW_IMAGE_BASE + FW_BFV_OFFSET),
	  U64(FW_BFV_SIZE), SEC_BFV, ATTR_EXTENDMR },
	{ U32(FW_TDINFO_OFFSET), U32(FW_TDINFO_SIZE), 0, 0, SEC_TDINFO, 0 },
	{ U32(FW_PAYLOAD_OFFSET), U32(FW_PAYLOAD_SIZE), U64(FW_IMAGE_BASE + FW_PAYLOAD_OFFSET),
	  U64(FW_PAYLOAD_SIZE), SEC_PAYLOAD, ATTR_EXTENDMR },
	{ U32(FW_CFV_OFFSET), U32(FW_CFV_SIZE), U64(FW_IMAGE_BASE + FW_CFV_OFFSET),
	  U64(FW_CFV_SIZE), SEC_CFV, 0 },
	{ 0, 0, U64(FW_TEMPMEM_BASE), U64(FW_TEMPMEM_SIZE), SEC_TEMPMEM, 0 },
	{ 0, 0, U64(FW_PERMMEM_BASE), U64(FW_PERMMEM_SIZE), SEC_PERMMEM, ATTR_PAGE_AUG },
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

_Static_assert(FW_IMAGE_SIZE % 0x10000 == 0, "QEMU wants a 64 KiB multiple");
_Static_assert(FW_RESETVEC_OFFSET + FW_RESETVEC_SIZE == FW_IMAGE_SIZE, "reset vector at end");
_Static_assert(FW_CFV_SIZE % FW_CFV_BLOCK_SIZE == 0, "CFV block map");
_Static_assert(FW_PAYLOAD_OFFSET % FW_PAGE_SIZE == 0 && FW_PAYLOAD_SIZE % FW_PAGE_SIZE == 0,
	       "payload alignment");
_Static_assert(16 + 16 + 32 * 6 <= FW_METADATA_SIZE, "metadata page");

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xFFFF);
	put16(p + 2, v >> 16);
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static int all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

/* 8-bit checksum byte making the sum of n bytes zero. */
static uint8_t sum8_fix(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return (uint8_t)(0x100 - s);
}

/* Empty CFV (docs/protocol.md §9.3): FV header, block map, pad FFS file, FV ext header. */
static void build_cfv(uint8_t *cfv)
{
	uint8_t *pad = cfv + 0x48, *ext = cfv + 0x60;
	uint32_t sum = 0;

	memset(cfv, 0xFF, FW_CFV_SIZE);
	memset(cfv, 0, 0x78);
	/* EFI_FIRMWARE_VOLUME_HEADER: zero vector[16], FileSystemGuid, FvLength,
	 * "_FVH", Attributes, HeaderLength, Checksum, ExtHeaderOffset, Reserved,
	 * Revision. */
	memcpy(cfv + 16, guid_ffs3, 16);
	put64(cfv + 32, FW_CFV_SIZE);
	memcpy(cfv + 40, "_FVH", 4);
	put32(cfv + 44, 0x0004FEFF);
	put16(cfv + 48, 0x78);
	put16(cfv + 52, 0x60);
	cfv[55] = 2;
	/* Block map: FW_CFV_SIZE / block size blocks, then the {0, 0} terminator. */
	put32(cfv + 56, FW_CFV_SIZE / FW_CFV_BLOCK_SIZE);
	put32(cfv + 60, FW_CFV_BLOCK_SIZE);
	/* The 56-byte header's 16-bit word sum is zero (what MigTD checks). */
	for (size_t i = 0; i < 56; i += 2)
		sum += (uint32_t)(cfv[i] | cfv[i + 1] << 8);
	put16(cfv + 50, (0x10000 - (sum & 0xFFFF)) & 0xFFFF);
	/* Pad file holding the extension header: name all 0xFF, type PAD (0xF0),
	 * size 0x18 + 0x14 (+ 4 to reach 0x78), state 0x07, file checksum 0xAA. */
	memset(pad, 0xFF, 16);
	pad[18] = 0xF0;
	pad[19] = 0;
	pad[20] = 0x30;
	pad[21] = 0;
	pad[22] = 0;
	pad[16] = sum8_fix(pad, 24); /* header checksum with file checksum, state 0 */
	pad[17] = 0xAA;
	pad[23] = 0x07;
	/* EFI_FIRMWARE_VOLUME_EXT_HEADER: FvName (zero), ExtHeaderSize 0x14. */
	put32(ext + 16, 0x14);
}

static void build_metadata(uint8_t *img)
{
	uint8_t *m = img + FW_METADATA_OFFSET;

	memcpy(m, guid_tdx_metadata, 16);
	memcpy(m + 16, "TDVF", 4);
	put32(m + 20, U32(16 + 32 * NSECTIONS));
	put32(m + 24, 1);
	put32(m + 28, U32(NSECTIONS));
	for (size_t i = 0; i < NSECTIONS; i++) {
		uint8_t *e = m + 32 + 32 * i;

		put32(e + 0, sections[i].data_offset);
		put32(e + 4, sections[i].raw_size);
		put64(e + 8, sections[i].gpa);
		put64(e + 16, sections[i].mem_size);
		put32(e + 24, sections[i].type);
		put32(e + 28, sections[i].attributes);
	}
}

/* The OVMF GUIDed table: entry ‖ u16 table length ‖ footer GUID, ending at
 * image_size - 0x20; then the legacy u32 descriptor offset at - 0x20. */
static void build_ovmf_table(uint8_t *img)
{
	uint8_t *end = img + FW_IMAGE_SIZE;
	uint8_t *footer = end - 0x30;
	uint8_t *entry = footer - 2 - 22;
	uint32_t guid_off = FW_METADATA_OFFSET;

	memcpy(footer, guid_ovmf_footer, 16);
	put16(footer - 2, 22 + 18);
	/* TDX metadata offset entry: u32 distance from the end of the image to
	 * the metadata GUID + 16, u16 entry length, GUID. */
	put32(entry, U32(FW_IMAGE_SIZE) - guid_off - 16);
	put16(entry + 4, 22);
	memcpy(entry + 6, guid_tdx_metadata_offset, 16);
	put32(end - 0x20, guid_off + 16);
}

static int check_reserved(const uint8_t *img)
{
	static const struct {
		size_t off, len;
		const char *what;
	} zones[] = {
		{ FW_TDINFO_OFFSET, FW_TDINFO_SIZE, "TdInfo page" },
		{ FW_METADATA_OFFSET, FW_METADATA_SIZE, "metadata page" },
		{ FW_IMAGE_SIZE - 0x20 - FW_OVMF_TABLE_RESERVE, FW_OVMF_TABLE_RESERVE + 0x10,
		  "OVMF table area" },
	};

	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		if (!all_zero(img + zones[i].off, zones[i].len)) {
			fprintf(stderr, "%s: the payload overlaps the %s (offset 0x%zx)\n", prog,
				zones[i].what, zones[i].off);
			return -1;
		}
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: migtd-mkimage --payload BLOB -o OUT\n"
		"       migtd-mkimage --help | --version\n"
		"\n"
		"Assemble the flat MigTD image from the firmware payload blob (objcopy -O binary\n"
		"of the firmware ELF): add the empty CFV, the TDX metadata and the OVMF table,\n"
		"all from config/image_layout.h. The payload must not overlap them.\n"
		"  -p, --payload BLOB   the blob (0x%x bytes: image offset 0x%x to the end)\n"
		"  -o, --output OUT     the image (%u KiB), written atomically; - = stdout\n"
		"  -h, --help           this text\n"
		"  -V, --version        print the version\n"
		"BLOB may be - for standard input.\n",
		FW_IMAGE_SIZE - FW_PAYLOAD_OFFSET, FW_PAYLOAD_OFFSET, FW_IMAGE_SIZE / 1024);
	cli_print_exit_codes(f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "payload", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *payload = NULL, *out = NULL;
	uint8_t *img = NULL, *blob = NULL;
	size_t blob_len = 0, want = FW_IMAGE_SIZE - FW_PAYLOAD_OFFSET;
	int c, rc = CLI_EXIT_INPUT;

	while ((c = getopt_long(argc, argv, "p:o:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'p': payload = optarg; break;
		case 'o': out = optarg; break;
		case 'h': usage(stdout); return CLI_EXIT_OK;
		case 'V': cli_print_version(prog); return CLI_EXIT_OK;
		default: return cli_try_help(prog);
		}
	}
	if (optind != argc)
		return cli_usage_error(prog, "unexpected argument '%s'", argv[optind]);
	if (!payload || !out)
		return cli_usage_error(prog, "--payload and -o are required");
	blob = tool_read_file(prog, payload, &blob_len);
	if (!blob) {
		rc = CLI_EXIT_IO;
		goto out;
	}
	if (blob_len != want) {
		fprintf(stderr,
			"%s: %s is %zu bytes, expected 0x%zx (image offset 0x%x"
			" to the end)\n",
			prog, payload, blob_len, want, FW_PAYLOAD_OFFSET);
		goto out;
	}
	img = calloc(1, FW_IMAGE_SIZE);
	if (!img) {
		fprintf(stderr, "%s: out of memory\n", prog);
		rc = CLI_EXIT_RUNTIME;
		goto out;
	}
	memcpy(img + FW_PAYLOAD_OFFSET, blob, blob_len);
	if (check_reserved(img) != 0)
		goto out;
	build_cfv(img + FW_CFV_OFFSET);
	build_metadata(img);
	build_ovmf_table(img);

	if (atomic_file_write(prog, out, img, FW_IMAGE_SIZE, 0644) != 0) {
		rc = CLI_EXIT_IO;
		goto out;
	}
	fprintf(strcmp(out, "-") ? stdout : stderr,
		"%s: %u KiB at 0x%llx (CFV 0x%x+0x%x, payload 0x%x+0x%x, BFV 0x%x+0x%x)\n", out,
		FW_IMAGE_SIZE / 1024, (unsigned long long)FW_IMAGE_BASE, FW_CFV_OFFSET, FW_CFV_SIZE,
		FW_PAYLOAD_OFFSET, FW_PAYLOAD_SIZE, FW_BFV_OFFSET, FW_BFV_SIZE);
	rc = CLI_EXIT_OK;
out:
	free(img);
	free(blob);
	return rc;
}
