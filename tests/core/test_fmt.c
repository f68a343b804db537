/* core's text utilities: the growable string buffer, JSON string escaping,
 * UTF-8 decoding (lr/strbuf.h) and sizes and times for people (lr/fmt.h),
 * in each style a program documents. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lr/fmt.h"
#include "lr/strbuf.h"
#include "support.h"

/* ---- string buffer ------------------------------------------------------- */

static void test_strbuf_build_and_take(void **state)
{
    (void)state;
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_puts(&b, "vg0");
    lr_strbuf_putn(&b, " seqno", 6);
    lr_strbuf_printf(&b, " %d%s", 16, ".");
    assert_string_equal(b.s, "vg0 seqno 16.");
    size_t len = 0;
    char *s = lr_strbuf_take(&b, &len);
    assert_string_equal(s, "vg0 seqno 16.");
    assert_int_equal(len, 13);
    assert_null(b.s); /* handed over: the buffer is empty again */
    assert_int_equal(b.len, 0);
    free(s);
}

static void test_strbuf_empty_take_is_a_string(void **state)
{
    (void)state;
    lr_strbuf_t b;
    lr_strbuf_init(&b);
    char *s = lr_strbuf_take(&b, NULL);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
}

static void test_strbuf_grows(void **state)
{
    (void)state;
    lr_strbuf_t b = LR_STRBUF_INIT;
    for (int i = 0; i < 10000; i++)
        lr_strbuf_printf(&b, "%04d", i % 10000);
    assert_false(b.failed);
    assert_int_equal(b.len, 40000);
    assert_memory_equal(b.s + 4 * 1234, "1234", 4);
    assert_int_equal(b.s[b.len], '\0');
    lr_strbuf_free(&b);
    assert_null(b.s);
}

/* ---- JSON ------------------------------------------------------------------ */

static char *json(const char *s)
{
    lr_strbuf_t b = LR_STRBUF_INIT;
    lr_strbuf_json_str(&b, s);
    char *out = lr_strbuf_take(&b, NULL);
    assert_non_null(out);
    /* the FILE variant writes the same bytes */
    char *mem = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&mem, &n);
    assert_non_null(f);
    lr_json_fputs(s, f);
    assert_int_equal(fclose(f), 0);
    assert_string_equal(mem, out);
    free(mem);
    return out;
}

static void check_json(const char *in, const char *want)
{
    char *got = json(in);
    assert_string_equal(got, want);
    free(got);
}

/* The pool gives one string per value: the same pointer for every equal
 * string, through 20,000 values (the table doubling, blocks filling) and a
 * string longer than a block. */
static void test_strpool(void **state)
{
    (void)state;
    assert_null(lr_strpool_intern(NULL, "x"));
    assert_int_equal(lr_strpool_count(NULL), 0);
    lr_strpool_free(NULL);
    lr_strpool_t *p = lr_strpool_new();
    assert_non_null(p);
    assert_null(lr_strpool_intern(p, NULL));
    char a[] = "lv_root", b[] = "lv_root";
    const char *x = lr_strpool_intern(p, a);
    assert_non_null(x);
    assert_ptr_not_equal(x, a);
    assert_ptr_equal(lr_strpool_intern(p, b), x);
    const char *e = lr_strpool_intern(p, "");
    assert_non_null(e);
    assert_string_equal(e, "");
    assert_ptr_equal(lr_strpool_intern(p, ""), e);
    enum { N = 20000 };
    const char **held = calloc(N, sizeof(*held));
    assert_non_null(held);
    char s[32];
    for (int i = 0; i < N; i++) {
        snprintf(s, sizeof(s), "pv%d-%x", i, (unsigned)i * 2654435761u);
        held[i] = lr_strpool_intern(p, s);
        assert_non_null(held[i]);
    }
    assert_int_equal(lr_strpool_count(p), N + 2);
    for (int i = 0; i < N; i++) {
        snprintf(s, sizeof(s), "pv%d-%x", i, (unsigned)i * 2654435761u);
        assert_string_equal(held[i], s);
        assert_ptr_equal(lr_strpool_intern(p, s), held[i]);
    }
    assert_ptr_equal(lr_strpool_intern(p, "lv_root"), x);
    assert_string_equal(x, "lv_root");
    size_t big = 200u << 10;
    char *l = malloc(big + 1);
    assert_non_null(l);
    memset(l, 'a', big);
    l[big] = '\0';
    const char *lp = lr_strpool_intern(p, l);
    assert_non_null(lp);
    assert_int_equal(strlen(lp), big);
    assert_ptr_equal(lr_strpool_intern(p, l), lp);
    assert_int_equal(lr_strpool_count(p), N + 3);
    free(l);
    free(held);
    lr_strpool_free(p);
}

static void test_json_escaping(void **state)
{
    (void)state;
    check_json(NULL, "null");
    check_json("", "\"\"");
    check_json("vg0/lv1", "\"vg0/lv1\"");
    check_json("da\"ta\\", "\"da\\\"ta\\\\\"");
    /* control characters, DEL included, as \u00XX (no short forms) */
    check_json("a\nb\tc\x1b\x7f", "\"a\\u000ab\\u0009c\\u001b\\u007f\"");
    /* valid UTF-8 stays as it is */
    check_json("caf\xc3\xa9 \xe6\xbc\xa2 \xf0\x9f\x98\x80",
               "\"caf\xc3\xa9 \xe6\xbc\xa2 \xf0\x9f\x98\x80\"");
    /* each byte of invalid UTF-8 as its Latin-1 code: a stray continuation,
     * a truncated sequence, an overlong form, a surrogate */
    check_json("\xff", "\"\\u00ff\"");
    check_json("\x80x", "\"\\u0080x\"");
    check_json("\xc3", "\"\\u00c3\"");
    check_json("\xe6\xbc", "\"\\u00e6\\u00bc\"");
    check_json("\xc0\xaf", "\"\\u00c0\\u00af\"");
    check_json("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");
}

/* ---- UTF-8 ------------------------------------------------------------------ */

static void test_utf8_decode(void **state)
{
    (void)state;
    uint32_t cp = 0;
    assert_int_equal(lr_utf8_decode("A", 1, &cp), 1);
    assert_int_equal(cp, 'A');
    assert_int_equal(lr_utf8_decode("\xc3\xa9", 2, &cp), 2);
    assert_int_equal(cp, 0xe9);
    assert_int_equal(lr_utf8_decode("\xf0\x9f\x98\x80", 4, &cp), 4);
    assert_int_equal(cp, 0x1f600);
    assert_int_equal(lr_utf8_decode("\xc3\xa9", 1, &cp), 0); /* cut by n */
    assert_int_equal(lr_utf8_decode("x", 0, &cp), 0);
    assert_int_equal(lr_utf8_decode("\xf4\x90\x80\x80", 4, &cp), 0); /* above U+10FFFF */
    assert_int_equal(lr_utf8_decode("\xe0\x80\xaf", 3, &cp), 0);     /* overlong */
    assert_true(lr_utf8_printable('a'));
    assert_true(lr_utf8_printable(0xe9));
    assert_false(lr_utf8_printable('\n'));
    assert_false(lr_utf8_printable(0x7f));
    assert_false(lr_utf8_printable(0x85)); /* C1 */
}

/* ---- sizes ------------------------------------------------------------------ */

static void check_size(uint64_t bytes, unsigned flags, const char *want)
{
    char buf[32];
    assert_string_equal(lr_fmt_size(bytes, flags, buf, sizeof(buf)), want);
}

static void test_size_styles(void **state)
{
    (void)state;
    const uint64_t MiB = 1u << 20;
    /* lvmscan: one decimal always */
    check_size(32 * MiB, 0, "32.0 MiB");
    check_size(512, 0, "512 B");
    check_size(1536 * MiB, 0, "1.5 GiB");
    /* lvmrepair's plan: two decimals */
    check_size(4 * MiB, LR_FMT_SIZE_2DP, "4.00 MiB");
    check_size(1023, LR_FMT_SIZE_2DP, "1023 B");
    /* lvmtui: whole sizes without decimals, else one */
    check_size(4 * MiB, LR_FMT_SIZE_WHOLE, "4 MiB");
    check_size(1536 * MiB, LR_FMT_SIZE_WHOLE, "1.5 GiB");
    check_size(0, LR_FMT_SIZE_WHOLE, "0 B");
    /* the diff text: whole sizes without decimals, else two */
    check_size(64 << 10, LR_FMT_SIZE_WHOLE | LR_FMT_SIZE_2DP, "64 KiB");
    check_size(1536 * MiB, LR_FMT_SIZE_WHOLE | LR_FMT_SIZE_2DP, "1.50 GiB");
    /* mlvm, like LVM2: '<' when the rounded value is above the size */
    check_size(4 * MiB, LR_FMT_SIZE_LVM, "4.00 MiB");
    check_size(3141632, LR_FMT_SIZE_LVM, "<3.00 MiB");
    check_size(2109440, LR_FMT_SIZE_LVM, "2.01 MiB");
    check_size(1ull << 60, LR_FMT_SIZE_LVM, "1.00 EiB");
    check_size(UINT64_MAX, 0, "16.0 EiB");
    /* a short buffer is cut, never overrun */
    char small[5];
    assert_string_equal(lr_fmt_size(32 * MiB, 0, small, sizeof(small)), "32.0");
}

/* ---- times ------------------------------------------------------------------ */

static void test_time_styles(void **state)
{
    (void)state;
    char buf[64];
    const int64_t t = 1764057805; /* 2025-11-25 08:03:25 UTC */
    assert_string_equal(lr_fmt_time(t, 0, "-", buf, sizeof(buf)), "2025-11-25 08:03:25");
    assert_string_equal(lr_fmt_time(t, LR_FMT_TIME_ZONE, "-", buf, sizeof(buf)),
                        "2025-11-25 08:03:25 UTC");
    /* 0 is LVM2's "no time" */
    assert_string_equal(lr_fmt_time(0, 0, "-", buf, sizeof(buf)), "-");
    assert_string_equal(lr_fmt_time(0, LR_FMT_TIME_LOCAL, "unknown time", buf, sizeof(buf)),
                        "unknown time");
    /* too small for the text: unknown rather than a cut date */
    char small[8];
    assert_string_equal(lr_fmt_time(t, 0, "-", small, sizeof(small)), "-");
    /* local time with its offset */
    char *tz = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    setenv("TZ", "UTC", 1);
    tzset();
    assert_string_equal(lr_fmt_time(t, LR_FMT_TIME_LOCAL | LR_FMT_TIME_ZONE, "-", buf, sizeof(buf)),
                        "2025-11-25 08:03:25 +0000");
    if (tz)
        setenv("TZ", tz, 1);
    else
        unsetenv("TZ");
    tzset();
    free(tz);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strbuf_build_and_take),
        cmocka_unit_test(test_strbuf_empty_take_is_a_string),
        cmocka_unit_test(test_strbuf_grows),
        cmocka_unit_test(test_strpool),
        cmocka_unit_test(test_json_escaping),
        cmocka_unit_test(test_utf8_decode),
        cmocka_unit_test(test_size_styles),
        cmocka_unit_test(test_time_styles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
