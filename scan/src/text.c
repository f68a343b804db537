/* The fields a report needs from one copy's text: from core's parser when the
 * text parses, else from a tolerant look at the top-level lines (a partial
 * copy still tells when and by which command it was written). */
#include "scan_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lr/label.h"
#include "lr/meta.h"

#define SC_FIELD_MAX 4096 /* longest string decoded from a partial copy's lines */

void sc_raw_uuid(const char *printed, char *raw, size_t rawlen)
{
    size_t n = 0;
    raw[0] = '\0';
    for (const char *p = printed; *p && n + 1 < rawlen; p++)
        if (*p != '-')
            raw[n++] = *p;
    raw[n] = '\0';
}

void sc_set_vg_id(lr_scan_copy_t *cp, const char *printed)
{
    snprintf(cp->vg_id, sizeof(cp->vg_id), "%s", printed ? printed : "");
    /* an id that is not a UUID names no VG: the copy stays ungrouped */
    if (!printed || lr_uuid_parse(printed, cp->vg_id_raw, sizeof(cp->vg_id_raw)) != 0)
        cp->vg_id_raw[0] = '\0';
}

/* What one copy keeps of a string from its text is capped (the text itself
 * stays in the image): 50000 hostile copies with long strings must not
 * cost hundreds of MiB (docs/limits.md). */
static char *clip_to(const char *s, size_t max)
{
    return s ? strndup(s, max) : NULL;
}

static char *clip(const char *s)
{
    return clip_to(s, SC_FIELD_MAX);
}

static void fill_from_vg(lr_scan_copy_t *cp, const lr_vg_t *vg)
{
    if (vg->name && (!cp->vg_name || strcmp(cp->vg_name, vg->name) != 0)) {
        char *n = clip(vg->name);
        if (n) {
            free(cp->vg_name);
            cp->vg_name = n;
        }
    }
    if (vg->id && vg->id[0])
        sc_set_vg_id(cp, vg->id);
    cp->seqno = vg->seqno;
    cp->creation_time = vg->creation_time;
    cp->creation_host = clip_to(vg->creation_host, LR_SCAN_MAX_HOST);
    cp->description = clip_to(vg->description, LR_SCAN_MAX_DESCRIPTION);
    cp->n_lvs = (long)lr_vg_visible_lvs(vg);
    cp->n_pvs = (long)vg->n_pvs;
    /* kept so that the later passes over every version (renamed.c) need
     * not parse each text again to learn which PVs it lists */
    free(cp->pv_ids);
    cp->pv_ids = malloc(vg->n_pvs * LR_PV_UUID_LEN + 1);
    if (!cp->pv_ids)
        return; /* NULL: those passes parse the text instead */
    for (size_t i = 0; i < vg->n_pvs; i++)
        memcpy(cp->pv_ids + i * LR_PV_UUID_LEN, vg->pvs[i].raw_id, LR_PV_UUID_LEN);
    cp->pv_ids[vg->n_pvs * LR_PV_UUID_LEN] = '\0';
}

/* ---- tolerant top-level reader ---------------------------------------- */

/* Decodes a quoted string starting at p (after the opening quote) into a
 * malloc'd buffer, stopping at the closing quote or end of line. */
static char *quoted(const char *p, const char *end, size_t max)
{
    char buf[SC_FIELD_MAX + 1];
    size_t n = 0;
    for (; p < end && *p != '"' && *p != '\n'; p++) {
        if (*p == '\\' && p + 1 < end)
            p++;
        if (n < max && n < SC_FIELD_MAX)
            buf[n++] = *p;
    }
    buf[n] = '\0';
    return sc_strdup(buf);
}

static bool key_is(const char *line, const char *end, const char *key, const char **val)
{
    size_t k = strlen(key);
    if ((size_t)(end - line) < k + 3 || strncmp(line, key, k) != 0 || strncmp(line + k, " = ", 3))
        return false;
    *val = line + k + 3;
    return true;
}

static void top_level_line(lr_scan_copy_t *cp, const char *line, const char *end)
{
    const char *v;
    if (!cp->description && key_is(line, end, "description", &v) && *v == '"')
        cp->description = quoted(v + 1, end, LR_SCAN_MAX_DESCRIPTION);
    else if (!cp->creation_host && key_is(line, end, "creation_host", &v) && *v == '"')
        cp->creation_host = quoted(v + 1, end, LR_SCAN_MAX_HOST);
    else if (!cp->creation_time && key_is(line, end, "creation_time", &v))
        cp->creation_time = strtoll(v, NULL, 10);
}

/* Walks the text tracking section depth (strings and comments skipped) and
 * hands each line that starts at depth 0 to top_level_line. */
static void scan_top_level(lr_scan_copy_t *cp, const char *t, size_t len)
{
    const char *end = t + len;
    int depth = 0;
    bool in_str = false, bol = true;
    for (const char *p = t; p < end && *p; p++) {
        if (bol && depth == 0 && !in_str)
            top_level_line(cp, p, end);
        bol = false;
        char ch = *p;
        if (in_str) {
            if (ch == '\\' && p + 1 < end)
                p++;
            else if (ch == '"')
                in_str = false;
            else if (ch == '\n')
                bol = true;
            continue;
        }
        if (ch == '"')
            in_str = true;
        else if (ch == '#')
            while (p + 1 < end && p[1] != '\n' && p[1])
                p++;
        else if (ch == '{')
            depth++;
        else if (ch == '}' && depth > 0)
            depth--;
        else if (ch == '\n')
            bol = true;
    }
}

/* LVM2 ends every text with its creation_time line and a NUL; a write torn
 * inside that line (or before it) leaves text that still parses when the VG
 * section is whole. */
static bool ends_with_newline(const char *text, uint64_t len)
{
    while (len > 0 && text[len - 1] == '\0')
        len--;
    return len > 0 && text[len - 1] == '\n';
}

void sc_fill_from_text(lr_scan_copy_t *cp, const char *text, uint64_t len)
{
    if (!cp->vg_name || !cp->vg_name[0]) {
        /* a copy found through a raw_locn: its first lines may still hold
         * the VG name, id and seqno */
        sc_sig_t sig;
        if (sc_text_signature((const uint8_t *)text, (size_t)len, &sig)) {
            free(cp->vg_name);
            cp->vg_name = sc_strdup(sig.name);
            sc_set_vg_id(cp, sig.id);
            cp->seqno = sig.seqno;
        }
    }
    lr_vg_t *vg = NULL;
    lr_error_t e;
    lr_error_clear(&e);
    cp->ends_whole = ends_with_newline(text, len);
    if (cp->partial && len > LR_SCAN_MAX_PARTIAL_PARSE) {
        /* No end within megabytes: no LVM2 write leaves that, and parsing
         * it whole would cost a tree of the whole run (hostile text with a
         * copy start in every sector); the top-level lines still tell. */
        cp->parse_error = clip_to("no end (NUL) found: too long to be parsed as one copy",
                                  LR_SCAN_MAX_PARSE_ERROR);
        scan_top_level(cp, text, (size_t)len);
        cp->ends_whole = false;
        return;
    }
    if (len > 0 && lr_vg_parse(text, (size_t)len, &vg, &e) == 0) {
        cp->parse_ok = true;
        cp->ends_whole = cp->ends_whole && vg->creation_time != 0;
        cp->section_crc = sc_section_crc(text, (size_t)len);
        fill_from_vg(cp, vg);
        lr_vg_free(vg);
        return;
    }
    char msg[900];
    lr_error_format(&e, msg, sizeof(msg));
    cp->parse_error = clip_to(len ? msg : "empty text", LR_SCAN_MAX_PARSE_ERROR);
    scan_top_level(cp, text, (size_t)len);
    cp->ends_whole = cp->ends_whole && cp->creation_time != 0;
}

void sc_fill_from_fragment(lr_scan_copy_t *cp, const char *text, uint64_t len, bool after_bad)
{
    /* The top-level fields follow the VG section; the "# Generated by" line
     * LVM2 writes right after it marks where depth 0 starts again. */
    static const char mark[] = "\n# Generated by LVM2";
    const char *start = NULL;
    for (const char *p = text; (p = strstr(p, mark)) != NULL; p++)
        start = p + 1;
    cp->parse_ok = false;
    cp->parse_error = sc_strdup(after_bad ? "fragment: the start of this copy could not be read"
                                          : "fragment: the start of this copy was overwritten");
    if (start)
        scan_top_level(cp, start, (size_t)(len - (uint64_t)(start - text)));
}
