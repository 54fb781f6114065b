/* SPDX-License-Identifier: BSD-2-Clause-Patent */
/* Copyright (c) 2026 The migtd-c authors */
/*
 * glue.c -- what the reused firmware drivers ask of the TD start (tdx/td.c),
 * answered for this ROM, which is never a TD: its virtio DMA region is
 * plain memory at TDSHIM_DMA_HPA (mapped at FW_RAM_DMA_BASE, boot.S) and
 * there is no shared bit. The TD interrupt entries of isr.S exist in every
 * build; no vector of this ROM's IDT points at them.
 */
#include "tdshim.h"

#include "fw.h"
#include "tdx/fw_tdx.h"

uint64_t fw_dma_gpa_base(void)
{
	return TDSHIM_DMA_HPA;
}

uint64_t fw_tdx_shared_mask(void)
{
	return 0;
}

void fw_td_service_irq(void)
{
}

void fw_td_quote_irq(void)
{
}
