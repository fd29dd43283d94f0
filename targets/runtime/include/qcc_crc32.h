/* CRC-32 (crc32.c): the checksum of .qprog files and of generated programs' weights. */
#ifndef QCC_CRC32_H
#define QCC_CRC32_H

#include "qcc_base.h"

/* The CRC-32 (IEEE 802.3, as zlib's crc32) of `size` bytes, continuing from `crc` (start with 0). */
uint32_t qcc_crc32(uint32_t crc, const void *bytes, size_t size);

#endif
