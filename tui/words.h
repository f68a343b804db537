/* lvmtui's words that name command lines (tui/words.c): program text, out
 * of the view model. */
#ifndef TUI_WORDS_H
#define TUI_WORDS_H

#include "model_int.h"

/* Adds the lvmrepair command that writes the reviewed restore into copies
 * of the images in a directory DIR, one argument group per line. */
int tui_words_output_command(const lr_tui_t *m, tui_view_t *v);

/* Adds the line naming the lvmrepair command that applies undo_path. */
int tui_words_undo_command(tui_view_t *v, const char *undo_path);

/* Adds one line per LR_HINT_* bit set in hints: what would let the engine
 * go on, in lvmtui's words. */
int tui_words_hints(tui_view_t *v, unsigned hints);

/* Adds to b a warning the evidence engine gives before restoring seqno
 * (lr_evidence_warnings), in lvmtui's words, starting "WARNING: ". */
void tui_words_warning(lr_strbuf_t *b, const lr_ev_warning_t *w, uint64_t seqno);

/* Adds one line per note an image's I/O layer recorded while reading past
 * damage (lr_scan_image_t.warnings: a VHD checksum that does not match),
 * "WARNING: IMAGE: NOTE"; also to pin when it is not NULL. */
int tui_words_image_notes(tui_view_t *v, tui_view_t *pin, const lr_scan_t *s);

/* When version `version` of VG vg is held only by LVM2 backup/archive files
 * read on from their first blocks (lr_scan_version_from_blocks), adds the
 * line saying so, as lvmscan's note and lvmrepair's: a deleted file's later
 * blocks may since hold another file's; when only by files read through a
 * filesystem whose log was not replayed (lr_scan_version_log_pending), the
 * line saying that; also to pin when it is not NULL. Returns 0 or -ENOMEM. */
int tui_words_files_only(tui_view_t *v, tui_view_t *pin, const lr_scan_t *s, int vg, int version);

#endif
