#!/bin/sh
#
# test/data/rpls_octets.sh: writes rpls_octets.csv, an RPLS file (UTF-8) with
# every byte sequence that used to abort the staging or hide a line; read by
# test/rpls_octets.sql.  One physical line each (numbers as in the test):
#
#  1 the header, ended by CRLF          11 a 0x1F byte (COPY's delimiter)
#  2 a good line, CRLF                   12 a 0x1E byte (COPY's quote)
#  3 a good line, LF                     13 a line with too many fields
#  4 a good line ended by a lone CR      14 a line with too few fields
#  5 a line that is exactly \.           15 CSV quotes: ';' and '"' in a field
#  6 an empty line                       16 a good line, CRLF
#  7 a NUL byte                          17 a backslash in a field
#  8 a Latin-1 byte (0xE9) in UTF-8      18 blanks only
#  9 UTF-8 accents                       19 a trailing blank line
# 10 a control byte 0x01
set -eu
cd "$(dirname "$0")"
l() { printf 'O-%s;01281;2;C;3;13;1;%s' "$1" "$2"; }
{
	printf 'IDENT_INT;DEPCOM;QPV;TYPECONST;NBPIECE;FINAN;CONV;NOMVOIE\r\n'
	l 01 'rue des Tilleuls'; printf '\r\n'
	l 02 'rue du Lac'; printf '\n'
	l 03 'rue du Stade'; printf '\r'
	printf '\\.\n'
	printf '\n'
	l 04 'rue'; printf '\000nulle\n'
	l 05 'R'; printf '\351publique\n'
	l 06 'R'; printf '\303\251publique \303\240 Ornex\n'
	l 07 'rue'; printf '\001\n'
	l 08 'rue'; printf '\037x\n'
	l 09 'rue'; printf '\036x\n'
	l 10 'rue;en trop'; printf '\n'
	printf 'O-11;01281;2\n'
	printf '"O-12";"01281";"2";"C";"3";"13";"1";"rue ""du Port""; b\303\242t A"\n'
	l 13 'quai Ouest'; printf '\r\n'
	l 14 'C:\dossier'; printf '\n'
	printf '   \n'
	printf '\n'
} >rpls_octets.csv
