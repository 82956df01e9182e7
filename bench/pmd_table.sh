#!/usr/bin/env bash
# pmd_table.sh BINARY [ROWS]: `explore --strategy dpor` of the PMD scenarios
# (pmd-truncate, pmd-punch) with each row of ROWS (default: fixed, modern,
# modern-mapcount-wake, linux-4.19-6.14, linux-6.15.0, pmd-head-only) at
# --page-size 4k and 2m, one line each:
#
#   scenario protocol page-size traces seconds verdict found kind
#
# verdict is the certificate's (complete or bounded); found is true with the
# first finding's kind (the search stops there). docs/models/dax-pmd.md has
# the table this printed.
set -u
bin=$(readlink -f "$1"); shift
rows=${1:-fixed,modern,modern-mapcount-wake,linux-4.19-6.14,linux-6.15.0,pmd-head-only}
cd "${TMPDIR:-/tmp}" || exit 2
for s in pmd-truncate pmd-punch; do
  for p in ${rows//,/ }; do
    for size in 4k 2m; do
      out=$("$bin" explore --scenario "$s" --protocol "$p" --page-size "$size" --strategy dpor \
        --output-format json --eta never)
      line=$(echo "$out" | jq -r '[.schedules, (.seconds * 1000 | round / 1000), .certificate.verdict, .found,
        (.kind // "-")] | @tsv')
      printf '%s\t%s\t%s\t%s\n' "$s" "$p" "$size" "$line"
    done
  done
done
