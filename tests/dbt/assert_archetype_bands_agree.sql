-- Every intent of an archetype carries the same tier, target band and scope:
-- the headline and the band alerts read them per archetype. Returns the
-- archetypes whose seed rows disagree.
select
    archetype,
    count(distinct tier) as tiers,
    count(distinct target_low) as target_lows,
    count(distinct target_high) as target_highs,
    count(distinct in_deflection_scope) as scopes
from {{ ref('archetypes') }}
group by archetype
having
    count(distinct tier) > 1
    or count(distinct target_low) > 1
    or count(distinct target_high) > 1
    or count(distinct in_deflection_scope) > 1
