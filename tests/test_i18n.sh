#!/usr/bin/env bash
# test_i18n.sh OPTISCOPE SRCDIR: the message catalogs. Every message marked in the sources has
# a Korean translation (none missing, none fuzzy), every source file with marked messages is in
# po/POTFILES, and the language follows the locale and --lang while numbers stay as they are.
set -uo pipefail
bin="$1"
src="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }
has_hangul() { python3 -c 'import sys,re; sys.exit(0 if re.search("[\uac00-\ud7a3]", sys.stdin.read()) else 1)'; }

# --- the catalog covers every message --------------------------------------------------
cd "$src"
if xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ -o "$tmp/all.pot" -f po/POTFILES \
    2>"$tmp/xg.err"; then
  ok
else
  bad "xgettext failed: $(cat "$tmp/xg.err")"
fi
n=$(grep -c '^msgid ' "$tmp/all.pot" 2>/dev/null || echo 0)
if [ "$n" -gt 10 ]; then ok; else bad "only $n messages marked in the sources"; fi
if msgcmp po/ko.po "$tmp/all.pot" 2>"$tmp/cmp.err"; then
  ok
else
  bad "ko.po lacks translations (untranslated or fuzzy):"
  head -40 "$tmp/cmp.err" >&2
fi
if [ -z "$(msgattrib --only-fuzzy --no-obsolete po/ko.po 2>/dev/null)" ]; then
  ok
else
  bad "ko.po has fuzzy entries"
fi
if msgfmt --check -o /dev/null po/ko.po 2>"$tmp/fmt.err"; then
  ok
else
  bad "msgfmt --check: $(cat "$tmp/fmt.err")"
fi
# a message that is not a format must not gain one in translation (printf would read it)
if python3 - po/ko.po <<'PY'
import re, sys, ast
bad = 0
for block in re.split(r'\n\s*\n', open(sys.argv[1], encoding='utf-8').read()):
    if 'c-format' in block or 'msgstr' not in block:
        continue
    strs = re.findall(r'^(msgid|msgstr(?:\[0\])?|)\s*(".*")$', block, re.M)
    text = {'msgid': '', 'msgstr': ''}
    cur = None
    for key, lit in strs:
        cur = ('msgstr' if key.startswith('msgstr') else 'msgid') if key else cur
        text[cur] += ast.literal_eval(lit)
    if '%' in text['msgstr'] and text['msgid']:
        print('a %% in the translation of a plain message:', repr(text['msgid']))
        bad += 1
sys.exit(1 if bad else 0)
PY
then ok; else bad "ko.po: a plain message's translation has a %"; fi
# every file that marks messages is listed, and every listed file exists
while IFS= read -r f; do
  if grep -qx "$f" po/POTFILES; then ok; else bad "$f marks messages but is not in po/POTFILES"; fi
done < <(grep -rlE '\b(N_|_)\("' src --include='*.c' | sort)
while IFS= read -r f; do
  [ -z "$f" ] && continue
  if [ -f "$f" ]; then ok; else bad "po/POTFILES lists $f, which does not exist"; fi
done < po/POTFILES
# the presets' words (descriptions, titles, labels) are marked, through the generated
# src/sim/preset_text.c; a preset added or changed without running the script fails here
if python3 scripts/preset_text.py --check 2>"$tmp/preset.err"; then
  ok
else
  bad "$(cat "$tmp/preset.err")"
fi
cd - >/dev/null

# every preset's description is shown in Korean under --lang ko, and as written in English
en=$("$bin" list presets 2>&1)
ko=$("$bin" --lang ko list presets 2>&1)
if [ "$(wc -l <<<"$en")" -ge 10 ] && [ "$(wc -l <<<"$en")" -eq "$(wc -l <<<"$ko")" ]; then
  ok
else
  bad "list presets: $(wc -l <<<"$en") lines in English, $(wc -l <<<"$ko") in Korean"
fi
for f in "$src"/assets/presets/*.scene; do
  name=$(basename "$f" .scene)
  desc=$(grep -m1 '^#' "$f" | sed 's/^# *//')
  if grep -qxF "$(printf '%-12s %s' "$name" "$desc")" <<<"$en"; then
    ok
  else
    bad "list presets does not show $name's description '$desc'"
  fi
  line=$(grep "^$name " <<<"$ko")
  if [ -n "$line" ] && has_hangul <<<"$line"; then
    ok
  else
    bad "--lang ko list presets: $name's description is not in Korean: '$line'"
  fi
done

# --- the language at run time ----------------------------------------------------------
if "$bin" --lang ko --help | has_hangul; then ok; else bad "--lang ko --help is not in Korean"; fi
if LANG=ko_KR.UTF-8 LC_ALL= LANGUAGE= "$bin" --help | has_hangul; then ok; else bad "LANG=ko_KR.UTF-8: --help is not in Korean"; fi
if LC_ALL=ko_KR.UTF-8 "$bin" --help --lang=en | has_hangul; then bad "--lang=en under a Korean locale still Korean"; else ok; fi
if LANG=C LC_ALL= LANGUAGE=ko "$bin" --help | has_hangul; then bad "LANGUAGE under the C locale must be ignored (as gettext does)"; else ok; fi
if "$bin" --help | grep -q "watch gradient-descent optimizers"; then ok; else bad "English --help"; fi
out=$("$bin" --lang xx list 2>&1); st=$?
if [ $st -eq 2 ] && grep -q "unknown language 'xx'" <<<"$out"; then ok; else bad "--lang xx: status $st, '$out'"; fi
out=$("$bin" list --lang 2>&1); st=$?
if [ $st -eq 2 ] && grep -q -- "--lang needs a value" <<<"$out"; then ok; else bad "--lang without a value: status $st, '$out'"; fi
out=$("$bin" --lang ko nosuch 2>&1); st=$?
if [ $st -eq 2 ] && has_hangul <<<"$out"; then ok; else bad "a Korean error message: status $st, '$out'"; fi
# the C library's words (strerror) come in Korean as UTF-8, not as "??" under the C locale
out=$(LANG=C LC_ALL= "$bin" --lang ko trace --scene /nonexistent/x.scene 2>&1)
if has_hangul <<<"$out" && ! grep -q '??' <<<"$out"; then ok; else bad "strerror under --lang ko: '$out'"; fi
# numbers keep the decimal point, whatever the language
a=$(LC_ALL=ko_KR.UTF-8 "$bin" trace --preset beale --steps 3 --lang ko 2>/dev/null | sha256sum)
b=$("$bin" trace --preset beale --steps 3 2>/dev/null | sha256sum)
if [ "$a" = "$b" ]; then ok; else bad "trace under Korean differs from English"; fi

echo "i18n: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
