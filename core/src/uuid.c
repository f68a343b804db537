/* LVM2 UUIDs: 32 characters, printed in groups 6-4-4-4-4-4-6
 * (lib/uuid/uuid.c id_write_format / id_read_format / id_create). */
#include "lr/label.h"

#include <stdint.h>
#include <string.h>
#include <uuid/uuid.h>

/* LVM2's _c (lib/uuid/uuid.c): 62 letters and digits, then the two
 * LVM1-compatibility characters "!#". id_valid accepts all 64; id_create
 * generates only the first 62 (bytes modulo sizeof(_c) - 3). */
static const char uuid_alphabet[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!#";
#define UUID_GENERATED_LEN (sizeof(uuid_alphabet) - 3)

static const unsigned uuid_groups[] = {6, 4, 4, 4, 4, 4, 6};

/* The alphabet above by ranges (strchr per character was a hot spot of
 * large scans). */
bool lr_uuid_char_ok(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '!' ||
           c == '#';
}

int lr_uuid_format(const char *raw, char *out, size_t outlen)
{
    if (!raw || !out || outlen < LR_UUID_STR_LEN + 1)
        return LR_EFORMAT;
    for (size_t i = 0; i < LR_PV_UUID_LEN; i++)
        if (!lr_uuid_char_ok(raw[i]))
            return LR_EFORMAT; /* also catches a string shorter than 32 */
    if (raw[LR_PV_UUID_LEN] != '\0')
        return LR_EFORMAT;
    size_t in = 0, o = 0;
    for (size_t g = 0; g < sizeof(uuid_groups) / sizeof(uuid_groups[0]); g++) {
        if (g)
            out[o++] = '-';
        memcpy(out + o, raw + in, uuid_groups[g]);
        o += uuid_groups[g];
        in += uuid_groups[g];
    }
    out[o] = '\0';
    return 0;
}

int lr_uuid_parse(const char *printed, char *raw, size_t rawlen)
{
    if (!printed || !raw || rawlen < LR_PV_UUID_LEN + 1)
        return LR_EFORMAT;
    size_t n = 0;
    for (const char *p = printed; *p; p++) {
        if (*p == '-')
            continue; /* LVM2 strips every dash, wherever it is */
        if (n >= LR_PV_UUID_LEN || !lr_uuid_char_ok(*p))
            return LR_EFORMAT;
        raw[n++] = *p;
    }
    if (n != LR_PV_UUID_LEN)
        return LR_EFORMAT;
    raw[n] = '\0';
    return 0;
}

/* Random bits from libuuid. A generated uuid_t has fixed version bits
 * (high nibble of byte 6) and variant bits (top two of byte 8); only the
 * other 122 bits are random, so those are pooled and used 8 at a time. */
typedef struct uuid_bits {
    uint64_t acc;
    unsigned n; /* valid bits in acc */
    unsigned char u[16];
    unsigned pos; /* next byte of u; 16 = exhausted */
} uuid_bits_t;

static void uuid_bits_refill(uuid_bits_t *b)
{
    uuid_generate(b->u);
    b->pos = 0;
}

static unsigned uuid_bits_byte(uuid_bits_t *b)
{
    while (b->n < 8) {
        if (b->pos >= sizeof(b->u))
            uuid_bits_refill(b);
        unsigned byte = b->u[b->pos];
        unsigned width = 8;
        if (b->pos == 6) {
            byte &= 0x0f; /* version nibble is fixed */
            width = 4;
        } else if (b->pos == 8) {
            byte &= 0x3f; /* variant bits are fixed */
            width = 6;
        }
        b->pos++;
        b->acc = (b->acc << width) | byte;
        b->n += width;
    }
    b->n -= 8;
    return (unsigned)(b->acc >> b->n) & 0xffU;
}

void lr_uuid_generate(char *raw)
{
    uuid_bits_t b = {.acc = 0, .n = 0, .pos = sizeof(b.u)};
    /* Same mapping as LVM2's id_create: one random byte per character,
     * taken modulo the 62-character alphabet. */
    for (size_t i = 0; i < LR_PV_UUID_LEN; i++)
        raw[i] = uuid_alphabet[uuid_bits_byte(&b) % UUID_GENERATED_LEN];
    raw[LR_PV_UUID_LEN] = '\0';
}
