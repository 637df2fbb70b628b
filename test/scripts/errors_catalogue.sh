#!/usr/bin/env bash
# docs/errors.md and the code agree: every error the extension raises (SQL
# RAISE EXCEPTION in schema/*.sql, C ereport(ERROR, ...) in src/*.c and the
# parser messages of src/core/*.c that the C glue forwards) is listed in the
# catalogue by (SQLSTATE, message pattern), and every catalogue row is still
# raised somewhere.  Every error site names its SQLSTATE explicitly.
#
#   test/scripts/errors_catalogue.sh                  TAP (run by make test)
#   test/scripts/errors_catalogue.sh --print-missing  rows to paste into docs/errors.md
#   test/scripts/errors_catalogue.sh --print-stale    doc rows no longer raised
#   test/scripts/errors_catalogue.sh --list           every (SQLSTATE, pattern, site) found
#
# A message pattern is the message's format string with each placeholder
# (PL/pgSQL %, C %s/%d/%zu/...) written as %.  Needs only perl.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
DOC=$TOP/docs/errors.md
ERRCODES=${ERRCODES:-$(pg_config --sharedir 2>/dev/null)/errcodes.txt}
[[ -f $ERRCODES ]] || ERRCODES=/usr/share/postgresql/15/errcodes.txt

# The extractor prints one line per error site:
#   SQLSTATE <TAB> condition <TAB> pattern <TAB> site
read -r -d '' EXTRACT <<'PERL'
use strict;
use warnings;
my ($top, $errcodes) = @ARGV;
my (%by_macro, %by_name, %name_of);
open my $ec, '<', $errcodes or die "cannot read $errcodes: $!";
while (<$ec>) {
  next unless /^([0-9A-Z]{5})\s+[EWS]\s+(ERRCODE_\w+)\s*(\w*)/;
  $by_macro{$2} = $1;
  if ($3 ne '') { $by_name{$3} //= $1; $name_of{$1} //= $3; }
}
close $ec;
my @out;
sub emit { my ($state, $pattern, $site, $note) = @_; my $name = $name_of{$state} // '-';
           $note //= ''; s/\s+/ /g for $pattern, $note;
           push @out, join("\t", $state, $name, $pattern, $site, $note); }
sub slurp { my $f = shift; local $/; open my $h, '<', $f or die "$f: $!"; my $s = <$h>; close $h; return $s; }

# ---- SQL: RAISE EXCEPTION ... ; in schema/*.sql -------------------------
for my $file (sort glob("$top/schema/*.sql")) {
  my $src = slurp($file);
  (my $rel = $file) =~ s{^\Q$top\E/}{};
  # Blank out comments (keeping offsets), so that commented RAISEs do not count.
  my $clean = $src;
  $clean =~ s{('(?:[^']|'')*')|(--[^\n]*)}{defined $2 ? ' ' x length($2) : $1}ge;
  # Function names by offset, to say where an error is raised.
  my @funcs;
  while ($clean =~ /CREATE\s+(?:FUNCTION|PROCEDURE)\s+([\w.]+)/gi) { push @funcs, [pos($clean), $1]; }
  while ($clean =~ /\bRAISE\s+EXCEPTION\b/gi) {
    my $start = pos($clean);
    # The statement ends at the first ; outside a string literal.
    my $rest = substr($clean, $start);
    my $stmt = '';
    while ($rest =~ /\G('(?:[^']|'')*'|[^';]+|;)/gc) { last if $1 eq ';'; $stmt .= $1; }
    my $site = $rel;
    for my $f (@funcs) { $site = "$f->[1]()" if $f->[0] < $start; }
    my ($pattern, $state);
    if ($stmt =~ /^\s*(?:E?'((?:[^']|'')*)')/) { ($pattern = $1) =~ s/''/'/g; }
    elsif ($stmt =~ /\bMESSAGE\s*=\s*'((?:[^']|'')*)'/i) { ($pattern = $1) =~ s/''/'/g; }
    elsif ($stmt =~ /\bMESSAGE\s*=\s*([\w.]+)/i) { $pattern = "(computed: $1)"; }
    else { $pattern = '(none)'; }
    if ($stmt =~ /\bERRCODE\s*=\s*'([^']*)'/i) {
      my $c = $1;
      $state = $c =~ /^[0-9A-Z]{5}$/ ? $c : ($by_name{$c} // "unknown:$c");
    } elsif ($stmt =~ /\bERRCODE\s*=\s*([\w.]+)/i) { $state = "(computed: $1)"; }
    else { $state = 'P0001'; }
    my $note = '';
    if ($stmt =~ /\b(?:HINT|DETAIL)\s*=\s*'((?:[^']|'')*)'/i) { ($note = $1) =~ s/''/'/g; }
    emit($state, $pattern, $site, $note);
  }
}

# ---- C: argument lists and string literals ------------------------------
# Split the text after an opening parenthesis into its top-level arguments.
sub call_args {
  my ($s) = @_;
  my ($depth, $cur, @args) = (0, '');
  while ($s =~ /\G("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[(){}\[\]]|,|[^"'(){}\[\],]+)/gcs) {
    my $t = $1;
    if ($t =~ /^[(\[{]$/) { $depth++; }
    elsif ($t =~ /^[)\]}]$/) { if ($depth == 0) { push @args, $cur; return @args; } $depth--; }
    elsif ($t eq ',' && $depth == 0) { push @args, $cur; $cur = ''; next; }
    $cur .= $t;
  }
  return (@args, $cur);
}
# The format string of an argument made of adjacent literals, or undef.
sub literal {
  my ($a) = @_;
  $a =~ s/^\s+|\s+$//g;
  return undef unless $a =~ /^"/;
  my $s = '';
  while ($a =~ /\G\s*"((?:[^"\\]|\\.)*)"/gc) { $s .= $1; }
  return undef unless $a =~ /\G\s*$/gc;
  $s =~ s/\\(["'\\])/$1/g;
  return $s;
}
sub c_pattern {
  my ($fmt) = @_;
  $fmt =~ s/%%/\x01/g;
  $fmt =~ s/%[-+ #0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|z|j|t|L)?[diouxXeEfgGcsp]/\x02/g;
  # Adjacent placeholders ("%s%s") read as one.
  $fmt =~ s/\x02+/%/g;
  $fmt =~ s/\x01/%%/g;
  return $fmt;
}
sub strip_c_comments { my $s = shift; $s =~ s{("(?:[^"\\]|\\.)*")|/\*.*?\*/|//[^\n]*}{defined $1 ? $1 : ' '}gse; return $s; }

# Parser messages of a core file: calls of its own error setters (static
# functions with a "const char *fmt" parameter, the fmt argument) and
# snprintf into an error buffer.  Returns [code-argument, pattern] pairs.
sub core_messages {
  my ($file) = @_;
  return () unless -f $file;
  my $src = strip_c_comments(slurp($file));
  my %fmt_index;
  while ($src =~ /^\w[\w\s*]*?\b(\w+)\s*\(([^;{)]*\bconst\s+char\s*\*\s*fmt\b[^;{)]*)\)/mg) {
    my ($name, @params) = ($1, split(/,/, $2));
    for my $i (0 .. $#params) { $fmt_index{$name} = $i if $params[$i] =~ /\bfmt\b/; }
  }
  my @msgs;
  for my $fn (keys %fmt_index) {
    while ($src =~ /\b\Q$fn\E\s*\(/g) {
      my $p = pos($src);
      my @a = call_args(substr($src, $p));
      next if @a <= $fmt_index{$fn};
      my $lit = literal($a[$fmt_index{$fn}]);
      next unless defined $lit;
      my ($code) = grep { /\b[A-Z][A-Z0-9]*_ERR_\w+|\bAGING_\w+/ } @a[0 .. $fmt_index{$fn} - 1];
      $code //= ''; $code =~ s/^\s+|\s+$//g;
      push @msgs, [$code, c_pattern($lit)];
    }
  }
  while ($src =~ /\bv?snprintf\s*\(/g) {
    my @a = call_args(substr($src, pos($src)));
    next unless @a >= 3 && $a[0] =~ /(?:->|\.)(?:message|error)\b/;
    my $lit = literal($a[2]);
    push @msgs, ['', c_pattern($lit)] if defined $lit;
  }
  return @msgs;
}

# ---- C: ereport(ERROR, ...) in src/*.c ----------------------------------
for my $file (sort glob("$top/src/*.c")) {
  (my $rel = $file) =~ s{^\Q$top\E/}{};
  (my $core = $file) =~ s{/src/(\w+)\.c$}{/src/core/$1.c};
  my $src = strip_c_comments(slurp($file));
  # errcode(variable) set by a switch over the core's error codes.
  my (%switch, @labels, $default_state);
  while ($src =~ /\bcase\s+(\w+)\s*:|\bdefault\s*:|\b\w+\s*=\s*(ERRCODE_\w+)\s*;/g) {
    if (defined $1) { push @labels, $1; }
    elsif (defined $2) {
      my $st = $by_macro{$2} // "unknown:$2";
      $switch{$_} = $st for @labels;
      $default_state = $st if grep { $_ eq 'default' } @labels;
      @labels = ();
    } else { push @labels, 'default'; }
  }
  while ($src =~ /\bereport\s*\(\s*ERROR\s*,/g) {
    my @a = call_args(substr($src, pos($src)));
    my $body = join(',', @a);
    my ($state, $pattern);
    if ($body =~ /\berrcode\s*\(\s*(ERRCODE_\w+)\s*\)/) { $state = $by_macro{$1} // "unknown:$1"; }
    elsif ($body =~ /\berrcode\s*\(\s*\w+\s*\)/) { $state = 'switch'; }
    else { $state = 'XX000'; }
    my @m;
    if ($body =~ /\berrmsg\s*\(/g) { @m = call_args(substr($body, pos($body))); }
    my $fmt = @m ? literal($m[0]) : undef;
    $pattern = defined $fmt ? c_pattern($fmt) : '(none)';
    # A "%s" filled from a core error buffer forwards the core's messages.
    # (Only a bare "%s": a wrapper such as "%s in binary input" is listed as
    # itself, its % standing for any of the parser's messages.)
    if (defined $fmt && $fmt eq '%s' && @m > 1 && $m[1] =~ /(?:->|\.)(?:message|error)\b/) {
      for my $cm (core_messages($core)) {
        my ($code, $msg) = @$cm;
        my $st = $state ne 'switch' ? $state : ($switch{$code} // $default_state // 'XX000');
        (my $full = $pattern) =~ s/%/$msg/;
        emit($st, $full, "$rel (parser)");
      }
      next;
    }
    my $note = '';
    for my $f ('errhint', 'errdetail') {
      next unless $body =~ /\b$f\s*\(/g;
      my @h = call_args(substr($body, pos($body)));
      my $l = literal($h[0] // '');
      if (defined $l && $l ne '%s') { $note = c_pattern($l); last; }
    }
    emit($state eq 'switch' ? 'XX000' : $state, $pattern, $rel, $note);
  }
}
print "$_\n" for @out;
PERL

extract() { perl -e "$EXTRACT" "$TOP" "$ERRCODES"; }

# Catalogue rows: | SQLSTATE | condition | `pattern` | raised by | meaning |
doc_rows() {
  perl -ne 'next unless /^\|\s*([0-9A-Z]{5}|\(computed[^|]*\))\s*\|\s*([\w-]+)\s*\|\s*`(.*?)`\s*\|/;
            my ($s, $c, $p) = ($1, $2, $3); $p =~ s/\\\|/|/g; print "$s\t$p\n";' "$DOC"
}

found=$(extract) || { echo "extraction failed" >&2; exit 2; }
keys_code=$(cut -f1,3 <<<"$found" | sort -u)
keys_doc=$( [[ -f $DOC ]] && doc_rows | sort -u )
missing=$(comm -23 <(echo "$keys_code") <(echo "$keys_doc") | sed '/^$/d')
stale=$(comm -13 <(echo "$keys_code") <(echo "$keys_doc") | sed '/^$/d')

case ${1:-} in
  --list) echo "$found"; exit 0 ;;
  --print-missing)
    # In the doc's own format; the meaning column is left for a human.
    while IFS=$'\t' read -r st pat; do
      [[ -z $st ]] && continue
      line=$(awk -F'\t' -v s="$st" -v p="$pat" '$1 == s && $3 == p' <<<"$found" | head -n 1)
      cond=$(cut -f2 <<<"$line"); site=$(cut -f4 <<<"$line"); note=$(cut -f5 <<<"$line")
      printf '| %s | %s | `%s` | %s | %s |\n' "$st" "$cond" "${pat//|/\\|}" "$site" "${note//|/\\|}"
    done <<<"$missing"
    exit 0 ;;
  --print-stale) echo "$stale"; exit 0 ;;
esac

. "$(dirname "$0")/../lib/tap.sh"
plan 5
n_sites=$(wc -l <<<"$found")
ok $([[ $n_sites -gt 150 ]]; echo $?) "extractor found $n_sites error sites ($(wc -l <<<"$keys_code") distinct SQLSTATE and message pairs)"
is "$(grep -c $'^P0001\t' <<<"$found")" "0" "every RAISE EXCEPTION names its ERRCODE"
is "$(cut -f1 <<<"$found" | grep -c '^unknown:')" "0" "every SQLSTATE is a known condition $(cut -f1 <<<"$found" | grep '^unknown:' | sort -u | tr '\n' ' ')"
is "$missing" "" "every raised error is in docs/errors.md (add with --print-missing)"
is "$stale" "" "every docs/errors.md row is still raised"
done_testing
