/* Export of a version's raw metadata text (lr_scan_select chooses the
 * version). */
#include "lr/export.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ---- export ---------------------------------------------------------- */

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
    int rc = lr_scan_version_text(session, vg, version, &text, &len, err);
    if (!rc)
        rc = lr_export_write_text(lr_scan_result(session), text, len, path, flags, err);
    free(text);
    return rc;
}
