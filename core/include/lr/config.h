/* lvmrescue core: LVM2 text metadata as a generic, order-preserving config
 * tree (libdm/libdm-config.c syntax). The tree keeps every byte of layout it
 * was parsed from (whitespace, comments, number spelling, string escapes), so
 * an unmodified tree is written back byte-identical; edited or added nodes are
 * written the way LVM2's export.c writes them. */
#ifndef LR_CONFIG_H
#define LR_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lr/error.h"

/* Documented limits; exceeding one is LR_ELIMIT with the offset. */
#define LR_CFG_MAX_DEPTH 64          /* nested sections */
#define LR_CFG_MAX_TEXT (64u << 20)  /* bytes of text accepted */
#define LR_CFG_MAX_STRING (1u << 20) /* bytes in one string */
#define LR_CFG_MAX_ARRAY 65536       /* items in one array */
#define LR_CFG_MAX_NODES 1000000     /* nodes in one tree */

typedef enum lr_cfg_type {
    LR_CFG_SECTION = 1,
    LR_CFG_INT,    /* integer, base 0 as strtoll; value in .i */
    LR_CFG_FLOAT,  /* .f */
    LR_CFG_STRING, /* .s, unescaped, NUL-terminated */
    LR_CFG_ARRAY,  /* .items / .n_items of INT, FLOAT or STRING (may be empty) */
} lr_cfg_type_t;

typedef struct lr_cfg_value {
    lr_cfg_type_t type;
    int64_t i;
    double f;
    char *s;
    size_t n_items;
    struct lr_cfg_value *items;
} lr_cfg_value_t;

typedef struct lr_cfg lr_cfg_t;           /* a parsed document */
typedef struct lr_cfg_node lr_cfg_node_t; /* a section or a key = value */

/* Parses text (len bytes; a trailing NUL and anything after it are not part
 * of the document but are kept for writing back). On success *out is owned by
 * the caller (lr_cfg_free). Errors (LR_EPARSE, LR_ELIMIT, LR_ERANGE for an
 * integer overflowing 64 bits) carry the byte offset and a reason. */
int lr_cfg_parse(const char *text, size_t len, lr_cfg_t **out, lr_error_t *err);

/* Frees the document and every node. NULL is accepted. */
void lr_cfg_free(lr_cfg_t *cfg);

/* Writes the document: unmodified parts byte-identical to the parsed text,
 * modified/added parts in LVM2's on-disk style. *out is malloc'd, owned by
 * the caller, NUL-terminated; *len excludes that NUL. */
int lr_cfg_write(const lr_cfg_t *cfg, char **out, size_t *len, lr_error_t *err);

/* The unnamed top-level section holding the document's nodes (owned by
 * cfg, valid until lr_cfg_free). NULL for a NULL cfg. */
lr_cfg_node_t *lr_cfg_root(const lr_cfg_t *cfg);

/* Navigation; all return NULL at the end / when absent, and accept NULL.
 * Nodes are owned by their document and stay valid until lr_cfg_free or
 * until lr_cfg_remove removes them (or a section above them). */

/* The first node inside section, in text order; NULL for an empty section
 * or a key = value node. */
lr_cfg_node_t *lr_cfg_child(const lr_cfg_node_t *section);
/* The node after node in the same section (text order); NULL after the
 * last one. */
lr_cfg_node_t *lr_cfg_next(const lr_cfg_node_t *node);
/* The section holding node; NULL for the root. */
lr_cfg_node_t *lr_cfg_parent(const lr_cfg_node_t *node);
/* The node's key (section name or value key), unescaped, NUL-terminated and
 * owned by the node (an lr_cfg_rename frees the old one); "" for the root,
 * NULL for a NULL node. */
const char *lr_cfg_key(const lr_cfg_node_t *node);
/* LR_CFG_SECTION for sections, else the value's type (0 for NULL). */
lr_cfg_type_t lr_cfg_node_type(const lr_cfg_node_t *node);
/* The value of a key node (NULL for sections), owned by the node; a setter
 * on the same key replaces (and frees) it. */
const lr_cfg_value_t *lr_cfg_value(const lr_cfg_node_t *node);
/* Byte offset of the node's key in the parsed text (for messages);
 * LR_NO_OFFSET for a NULL node and for nodes added by the API (they have no
 * place in the parsed text). */
uint64_t lr_cfg_offset(const lr_cfg_node_t *node);

/* Finds a node by a '/'-separated path below section ("physical_volumes/pv0/id").
 * With duplicate keys the first one wins, as in LVM2's lookups. NULL when
 * any component is absent, when it would descend into a key = value node,
 * or for a NULL / empty path. The node is owned by the document. */
lr_cfg_node_t *lr_cfg_find(const lr_cfg_node_t *section, const char *path);

/* Typed getters for a path below section. Return 0, LR_ENOTFOUND when absent,
 * LR_EFORMAT (with the node's offset) when of another type. *s is owned by the
 * tree. The output pointer may be NULL (a type check only); on failure it is
 * left untouched and err says why. */

/* An integer (LR_CFG_INT) into *v. */
int lr_cfg_get_int(const lr_cfg_node_t *section, const char *path, int64_t *v, lr_error_t *err);
/* A non-negative integer into *v: as lr_cfg_get_int, and a negative value
 * is LR_ERANGE (with the node's offset) instead of being converted. */
int lr_cfg_get_uint(const lr_cfg_node_t *section, const char *path, uint64_t *v,
                    lr_error_t *err); /* also rejects negatives (LR_ERANGE) */
/* A string (LR_CFG_STRING, unescaped, NUL-terminated): *s points into the
 * tree and is valid until the key is set again, removed or the tree freed. */
int lr_cfg_get_str(const lr_cfg_node_t *section, const char *path, const char **s, lr_error_t *err);
/* An array of strings (e.g. status = ["READ", "WRITE"]): *arr points into
 * the tree's value, items are LR_CFG_STRING (checked). */
int lr_cfg_get_strings(const lr_cfg_node_t *section, const char *path, const lr_cfg_value_t **arr,
                       lr_error_t *err);

/* Editing. Setters replace the value of the key at path below section,
 * creating the key (appended at the end of the section) when absent; the
 * edited node is re-rendered, the rest keeps its bytes. The tree takes a
 * copy of what is given (the caller keeps its arguments). Failures leave the
 * tree unchanged: -EINVAL for a NULL section or key or an empty key,
 * LR_EFORMAT when the path names a section,
 * LR_ENOTFOUND when the sections leading to a new key do not exist,
 * LR_ELIMIT past the LR_CFG_MAX_* limits, -ENOMEM. */

/* Sets key to the integer v (written in decimal). */
int lr_cfg_set_int(lr_cfg_node_t *section, const char *key, int64_t v, lr_error_t *err);
/* Sets key to a copy of the string s (written quoted, with LVM2's
 * escaping); s must not be NULL (-EINVAL) and is at most LR_CFG_MAX_STRING
 * bytes (LR_ELIMIT). */
int lr_cfg_set_str(lr_cfg_node_t *section, const char *key, const char *s, lr_error_t *err);
/* Sets an array of strings. */
int lr_cfg_set_strings(lr_cfg_node_t *section, const char *key, const char *const *items, size_t n,
                       lr_error_t *err);
/* Sets any value: a deep copy of *v, which is an INT, FLOAT, STRING or an
 * ARRAY of those (e.g. stripes = ["pv0", 0]). Same rules as the setters
 * above. */
int lr_cfg_set_value(lr_cfg_node_t *section, const char *key, const lr_cfg_value_t *v,
                     lr_error_t *err);
/* Appends a new empty section named key at the end of section; returns it in
 * *out (owned by the tree). */
int lr_cfg_add_section(lr_cfg_node_t *section, const char *key, lr_cfg_node_t **out,
                       lr_error_t *err);
/* Appends a deep copy of node src (a section with everything below it, or
 * a key = value; src may belong to another document) at the end of
 * section, keys in src's order, duplicates included; the copy is rendered
 * in LVM2's on-disk style like any added node. *out (may be NULL) receives
 * the copy (owned by section's tree). Same failures as lr_cfg_add_section
 * (-EINVAL also for a NULL src or the root as src); on failure nothing is
 * added. */
int lr_cfg_copy(lr_cfg_node_t *section, const lr_cfg_node_t *src, lr_cfg_node_t **out,
                lr_error_t *err);
/* Removes a node (and its subtree) from its document and frees them: every
 * pointer into the removed nodes (keys, values, strings from the getters)
 * is invalid afterwards. NULL and the root are ignored. */
void lr_cfg_remove(lr_cfg_node_t *node);
/* Renames a node's key to a copy of key (the old key string is freed); the
 * node keeps its place and value and its key is re-rendered on writing.
 * -EINVAL for an empty key, a key with '/', or the root; LR_ELIMIT, -ENOMEM.
 * On failure the node is unchanged. Duplicate keys are not checked. */
int lr_cfg_rename(lr_cfg_node_t *node, const char *key, lr_error_t *err);

/* Writes a string with LVM2's escaping ("\"" and "\\") into a malloc'd
 * buffer (owned by the caller). NULL on allocation failure. */
/* (The result has no surrounding quotes, like libdm's dm_escape_double_quotes.) */
char *lr_cfg_escape(const char *s);

#endif
