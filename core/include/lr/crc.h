/* lvmrescue core: LVM2's CRC-32 (lib/misc/crc.c). */
#ifndef LR_CRC_H
#define LR_CRC_H

#include <stddef.h>
#include <stdint.h>

#define LR_CRC_INITIAL 0xf597a6cfU

/* LVM2's calc_crc(initial, buf, len): reflected 0xedb88320, no final xor.
 * Chain pieces by passing the previous result as `initial`. */
uint32_t lr_crc(uint32_t initial, const void *buf, size_t len);

#endif
