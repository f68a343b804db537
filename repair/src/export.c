/* Export of a version's raw metadata text (lr_scan_select chooses the
 * version). */
#include "lr/export.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- loading --------------------------------------------------------- */

/* Reads the best copy's text and checks it is still the scanned version. */
static int read_version(const lr_scan_session_t *session, size_t vg, size_t version, char **text,
                        size_t *len, lr_error_t *err)
{
    const lr_scan_t *scan = lr_scan_result(session);
    size_t copy;
    int rc = rp_version_copy(scan, vg, version, &copy, err);
    if (rc)
        return rc;
    uint64_t n = 0;
    rc = lr_scan_copy_text(session, copy, text, &n, err);
    if (rc) {
        free(*text);
        *text = NULL;
        return rc;
    }
    const lr_scan_version_t *v = &scan->vgs[vg].versions[version];
    if (scan->copies[copy].crc != v->crc) {
        free(*text);
        *text = NULL;
        return lr_error_set(err, LR_ECHECKSUM, scan->copies[copy].offset,
                            "copy of seqno %" PRIu64 " does not have the version's checksum",
                            v->seqno);
    }
    /* The text ends at its NUL (raw_locn.size counts it); vgcfgrestore and
     * pvck's dump both stop there. */
    size_t l = (size_t)n;
    *len = strnlen(*text, l);
    return 0;
}

int lr_export_load(const lr_scan_session_t *session, size_t vg, size_t version, lr_vg_t **out,
                   lr_error_t *err)
{
    lr_error_clear(err);
    if (!out)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    *out = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = read_version(session, vg, version, &text, &len, err);
    if (!rc)
        rc = lr_vg_parse(text, len, out, err);
    free(text);
    return rc;
}

/* ---- export ---------------------------------------------------------- */

int lr_export_text(const lr_scan_session_t *session, size_t vg, size_t version, char **text,
                   size_t *len, lr_error_t *err)
{
    lr_error_clear(err);
    if (!text)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "invalid arguments");
    size_t n = 0;
    int rc = read_version(session, vg, version, text, &n, err);
    if (!rc && len)
        *len = n;
    return rc;
}

int lr_export_write_text(const lr_scan_t *scan, const char *text, size_t len, const char *path,
                         unsigned flags, lr_error_t *err)
{
    lr_error_clear(err);
    if (!text)
        return lr_error_set(err, -EINVAL, LR_NO_OFFSET, "no text to export");
    rp_out_t o;
    int rc = rp_out_open(&o, scan, path, (flags & LR_EXPORT_OVERWRITE) != 0, err);
    if (rc)
        return rc;
    rc = rp_out_write(&o, text, len, false, err);
    if (rc) {
        rp_out_abort(&o);
        return rc;
    }
    return rp_out_commit(&o, err);
}

int lr_export_write(const lr_scan_session_t *session, size_t vg, size_t version, const char *path,
                    unsigned flags, lr_error_t *err)
{
    char *text = NULL;
    size_t len = 0;
    int rc = lr_export_text(session, vg, version, &text, &len, err);
    if (!rc)
        rc = lr_export_write_text(lr_scan_result(session), text, len, path, flags, err);
    free(text);
    return rc;
}
