"""The splink linkage model of customers: blocking rules, comparisons, training, on DuckDB or Spark.

Blocking decides recall: a pair no rule proposes is never scored. Email, phone and surname + postcode alone
miss the duplicates that changed both email and phone, or moved; the rules on name combinations, date of
birth, house number + postcode, street prefix and birth year + city catch those (BLOCKING_RULES; what each
finds and costs is measured by `bench/dedupe_link.py`).

Comparisons (each field compared once, so agreements count once):
- name: given and family name together (exact full name with term-frequency adjustment — a common name
  agreeing says little —, swapped given/family, Jaro-Winkler on both, family only, given only);
- contact: email and phone as ONE comparison, the strongest agreement counting once (exact email, exact
  phone — term-frequency adjusted —, email one typo off, phone one digit off): a household or an office shares
  both, and counted as two independent agreements they outweighed every disagreement on given name and
  birth date (measured: precision 0.94 at 50,000 records, 0.68 at 100,000, falling as the base grows);
- address: ONE comparison over street, house number, postcode and city, exact address term-frequency
  adjusted — a household or a shared business address is one agreement, not four;
- date of birth: exact, one typo, within a month, the same year.

Training is unsupervised: the prior (how likely two random records match) first, from deterministic rules
and the recall believed of them; u (chance agreement) from random pairs; m (agreement among matches) by
expectation-maximisation in two sessions, blocked on email and on phone, so every comparison is estimated
in a session that does not block on it.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.exceptions import EMTrainingException

from retail_sync.dedupe.settings import DedupeSettings

log = logging.getLogger(__name__)

# name → rule. Names are what `bench/dedupe_link.py` reports candidate pairs and recall under.
BLOCKING_RULES = {
    "email": block_on("email"),
    "phone": block_on("phone"),
    "surname_postcode": block_on("family_name", "postcode"),
    "full_name_city": block_on("given_name", "family_name", "city"),
    "swapped_names": CustomRule("l.given_name = r.family_name and l.family_name = r.given_name"),
    "given_name_dob": block_on("given_name", "date_of_birth"),
    "surname_dob": block_on("family_name", "date_of_birth"),
    "dob_postcode": block_on("date_of_birth", "postcode"),
    "house_number_postcode": block_on("house_number", "postcode"),
    "street_prefix_number_city": block_on("street_prefix", "house_number", "city"),
    "birth_year_city_initials": block_on("birth_year", "city", "substr(given_name, 1, 1)",
                                         "substr(family_name, 1, 1)"),
}
# Rules that admit almost no false pairs: the prior is their matches over the recall believed of them.
DETERMINISTIC_RULES = [block_on("email", "given_name"), block_on("phone", "given_name"),
                       block_on("full_name", "date_of_birth")]
# EM sessions: with dates of birth, pairs born the same day (name, contacts and address estimated there)
# and pairs of one given and family name in one postcode (the date of birth estimated there; on the name
# alone, or name and city, namesakes outnumbered the duplicates at 100,000 records and EM took them for the
# matches: precision 0.69 and 0.75; with the postcode 0.999). A household — one family
# name, address, phone, often one email, but each their own given name and birth date — is in neither, so
# it does not teach the model that a shared family name, email and address make a match (blocked on email,
# EM learned exactly that). Without dates of birth (Odoo's partners have none): full name, then email, then
# phone — a married name (the given name alone agrees, email changed too) is in no other session, and with
# its m left at splink's default the demo world's married-name duplicates scored 0.96 and were missed
# (world accounts: recall 0.83 → 0.99, merge precision unchanged at 0.9995, bench/dedupe_quality.py).
EM_SESSIONS = [block_on("date_of_birth"), block_on("given_name", "family_name", "postcode")]
EM_SESSIONS_WITHOUT_DOB = [block_on("given_name", "family_name"), block_on("email"), block_on("phone")]
# A column filled in fewer records than this is left out of the model (nothing to learn from).
MIN_FILLED = 0.01
COMPARED_FIELDS = ("name", "contact", "address", "date_of_birth")
# The name comparison's levels (comparison vector values) at which the given names disagree: the family name
# alone agrees (2), or nothing does (0). `comparisons()` lists the levels; tests/unit/test_dedupe_people_apart.py
# checks these values against it.
GIVEN_NAME_DIFFERS = (0, 2)
# Birth years this far apart are two people (a day or month typo keeps the year; a year typo is the one
# thing this check cannot tell from a different person, and a wrong merge costs more than a missed one).
BIRTH_YEARS_APART = 2


# The standardized date of birth (ISO) as each backend's date parser spells the pattern.
DATE_FORMATS = {"duckdb": "%Y-%m-%d", "spark": "yyyy-MM-dd"}


def comparisons(with_dob: bool = True, backend: str = "duckdb") -> list:
    name = _named("name", cl.ForenameSurnameComparison("given_name", "family_name", jaro_winkler_thresholds=[0.92, 0.88],
                                                       forename_surname_concat_col_name="full_name"))
    # Email and phone as ONE comparison, the strongest agreement counting once: a household or an office
    # shares both, and two independent agreements would outweigh every disagreement on name and birth date.
    contact = cl.CustomComparison(output_column_name="contact", comparison_levels=[
        cll.And(cll.NullLevel("email"), cll.NullLevel("phone")),
        cll.ExactMatchLevel("email").configure(tf_adjustment_column="email"),
        cll.ExactMatchLevel("phone").configure(tf_adjustment_column="phone"),
        # One slip of the fingers. Not Jaro-Winkler: an address is mostly its owner's name, so two namesakes'
        # addresses (anna.peeters12@x, anna.peeters907@y) were "near" and the name was counted twice.
        cll.DamerauLevenshteinLevel("email", 1),
        cll.DamerauLevenshteinLevel("phone", 1),
        cll.ElseLevel(),
    ])
    address = cl.CustomComparison(output_column_name="address", comparison_levels=[
        cll.And(cll.NullLevel("address"), cll.NullLevel("postcode"), cll.NullLevel("city")),
        cll.ExactMatchLevel("address").configure(tf_adjustment_column="address"),
        cll.And(cll.ExactMatchLevel("postcode"), cll.ExactMatchLevel("house_number"),
                cll.JaroWinklerLevel("street", 0.85)),
        cll.And(cll.ExactMatchLevel("postcode"), cll.JaroWinklerLevel("street", 0.85)),
        cll.ExactMatchLevel("postcode"),
        cll.ExactMatchLevel("city").configure(tf_adjustment_column="city"),
        cll.ElseLevel(),
    ])
    dob = _named("date_of_birth", cl.DateOfBirthComparison(
        "date_of_birth", input_is_string=True, datetime_format=DATE_FORMATS[backend], datetime_thresholds=[1, 1],
        datetime_metrics=["month", "year"]))
    return [name, contact, address, dob] if with_dob else [name, contact, address]


def _named(name: str, comparison) -> cl.CustomComparison:
    """A library comparison's levels under a short name: the output's agreed/disagreed fields use it."""
    return cl.CustomComparison(comparison_levels=comparison.create_comparison_levels(), output_column_name=name)


def splink_settings(settings: DedupeSettings, with_dob: bool = True) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(with_dob, settings.backend),
        blocking_rules_to_generate_predictions=list(BLOCKING_RULES.values()),
        # the comparison levels (gamma_*) and compared values: the people-apart check reads them
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=["birth_year"],
    )


def other_people_condition() -> str:
    """SQL over a prediction table: the pair is two different people, whatever else it shares.

    The given name and the date of birth are what tell the members of a household apart; family name,
    address, phone and often the email are what they share. The model multiplies those shared agreements
    as if independent, and each exact agreement on a near-unique value is worth about log2(N) bits in a base
    of N records while a disagreement weighs a fixed amount: measured at 300,000 records, 1,902 of the 1,909
    pairs wrongly scored >= 0.99 were household members (one family name, address and phone or email,
    other given names, birth years 2 to 40 apart); at 1,000,000 the pairs-found precision was 0.736.
    So a pair whose given names disagree (both present; not a nickname, typo or swap — the name comparison's
    levels say so) and whose birth years are BIRTH_YEARS_APART or more apart is not a match. Without dates of
    birth (Odoo's partners) nothing tells a household apart here: the merge plan's first-name rule does."""
    differs = ", ".join(str(level) for level in GIVEN_NAME_DIFFERS)
    return (f"coalesce(gamma_name in ({differs}) and given_name_l is not null and given_name_r is not null "
            f"and abs(cast(birth_year_l as int) - cast(birth_year_r as int)) >= {BIRTH_YEARS_APART}, false)")


def database_api(settings: DedupeSettings):
    """The splink backend the settings name, ready to take the standardized table."""
    if settings.backend == "spark":
        try:
            from pyspark.sql import SparkSession
            from splink.backends.spark import SparkAPI, similarity_jar_location
        except ImportError as exc:
            raise RuntimeError("backend 'spark' needs pyspark (and a Java runtime) installed: "
                               "pip install -r requirements-spark.txt, or use backend 'duckdb'") from exc
        # Spark's scratch space in a temporary directory, not the working directory (its default `spark-warehouse`).
        scratch = Path(tempfile.mkdtemp(prefix="retail-sync-spark-"))
        spark = (SparkSession.builder.master(settings.spark_master)
                 .config("spark.jars", similarity_jar_location())
                 .config("spark.sql.warehouse.dir", str(scratch / "warehouse")).getOrCreate())
        # splink checkpoints its intermediate tables (Spark refuses without a directory for them).
        spark.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))
        return SparkAPI(spark_session=spark)
    import duckdb
    from splink.backends.duckdb import DuckDBAPI

    connection = duckdb.connect()
    if settings.duckdb_memory_limit:
        connection.execute(f"SET memory_limit = '{settings.duckdb_memory_limit}'")
    if settings.duckdb_threads:
        connection.execute(f"SET threads = {int(settings.duckdb_threads)}")
    return DuckDBAPI(connection=connection)


def trained_linker(db_api, table, settings: DedupeSettings) -> Linker:
    """A linker over the standardized `table`, its parameters estimated from the data itself."""
    with_dob = has_dates_of_birth(table)
    # Spark 3 takes no Arrow table (splink hands it to createDataFrame as is): it gets pandas, DuckDB Arrow.
    frame = db_api.register(table.to_pandas() if db_api.sql_dialect.sql_dialect_str == "spark" else table)
    linker = Linker(frame, splink_settings(settings, with_dob), log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(DETERMINISTIC_RULES, recall=settings.prior_recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=settings.u_max_pairs, seed=settings.seed)
    for rule in EM_SESSIONS if with_dob else EM_SESSIONS_WITHOUT_DOB:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=settings.em_max_pairs)
        except (EMTrainingException, ValueError) as exc:
            # A session with no pairs, or one whose EM drives a level's m below what a float holds (a level
            # true matches never show, e.g. a date of birth entirely different): the other session's
            # estimates stand, and splink's defaults for what no session estimated (it warns at predict).
            log.warning("EM session %s skipped: %s", rule.get_blocking_rule("duckdb").blocking_rule_sql, exc)
    return linker


def has_dates_of_birth(table: pa.Table) -> bool:
    dob = table.column("date_of_birth")
    return len(dob) - dob.null_count >= MIN_FILLED * len(dob)
