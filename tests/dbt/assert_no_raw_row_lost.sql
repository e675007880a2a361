-- Nothing is silently dropped: every raw row is staged, quarantined, an exact
-- duplicate or a superseded re-export. Returns the tables where that fails.
select
    table_name,
    raw_rows,
    staged_rows,
    quarantined_rows,
    exact_duplicate_rows,
    superseded_rows
from {{ ref('stg_row_reconciliation') }}
where raw_rows <> staged_rows + quarantined_rows + exact_duplicate_rows + superseded_rows
