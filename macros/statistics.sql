{#- Statistics for the CSAT gates, in plain arithmetic so every adapter runs
    them (no erf or normal CDF is portable across DuckDB, Postgres, Spark). -#}

{#- Standard normal CDF, Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7). -#}
{% macro normal_cdf(z) -%}
    (case when ({{ z }}) >= 0 then 1.0 else 0.0 end
     + case when ({{ z }}) >= 0 then -1.0 else 1.0 end
        * 0.5 * (
            0.254829592 * (1.0 / (1.0 + 0.3275911 * abs({{ z }}) / sqrt(2.0)))
            - 0.284496736 * power(1.0 / (1.0 + 0.3275911 * abs({{ z }}) / sqrt(2.0)), 2)
            + 1.421413741 * power(1.0 / (1.0 + 0.3275911 * abs({{ z }}) / sqrt(2.0)), 3)
            - 1.453152027 * power(1.0 / (1.0 + 0.3275911 * abs({{ z }}) / sqrt(2.0)), 4)
            + 1.061405429 * power(1.0 / (1.0 + 0.3275911 * abs({{ z }}) / sqrt(2.0)), 5)
        ) * exp(-(({{ z }}) * ({{ z }})) / 2.0))
{%- endmacro %}

{#- 95% Wilson score interval bound of successes / n, in percent. -#}
{% macro wilson_bound(successes, n, side) -%}
    {%- set z2 = 3.8416 -%}
    case when {{ n }} > 0 then 100.0 * (
        (1.0 * {{ successes }} / {{ n }} + {{ z2 }} / (2.0 * {{ n }}))
        {{ '-' if side == 'low' else '+' }} 1.96 * sqrt(
            (1.0 * {{ successes }} / {{ n }}) * (1.0 - 1.0 * {{ successes }} / {{ n }}) / {{ n }}
            + {{ z2 }} / (4.0 * {{ n }} * {{ n }})
        )
    ) / (1.0 + {{ z2 }} / {{ n }}) end
{%- endmacro %}

{#- One-sided two-proportion z-test p-value of "rate 1 is below rate 0"
    (pooled variance). Small p: the drop is unlikely to be survey noise. -#}
{% macro drop_p_value(s1, n1, s0, n0) -%}
    {%- set pooled = '(1.0 * (' ~ s1 ~ ' + ' ~ s0 ~ ') / (' ~ n1 ~ ' + ' ~ n0 ~ '))' -%}
    {%- set se = 'sqrt(' ~ pooled ~ ' * (1.0 - ' ~ pooled ~ ') * (1.0 / ' ~ n1 ~ ' + 1.0 / ' ~ n0 ~ '))' -%}
    case
        when {{ n1 }} > 0 and {{ n0 }} > 0 and {{ pooled }} > 0 and {{ pooled }} < 1
            then {{ normal_cdf('(1.0 * ' ~ s1 ~ ' / ' ~ n1 ~ ' - 1.0 * ' ~ s0 ~ ' / ' ~ n0 ~ ') / ' ~ se) }}
    end
{%- endmacro %}
