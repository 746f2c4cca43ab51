//! The catalogue of diagnostic codes. Codes are stable: once published a
//! code keeps its number and name; `docs/diagnostics.md` documents each one
//! and a golden test under `tests/diagnostics/` exercises each one.

use super::Severity;

macro_rules! codes {
    ($( $variant:ident = $id:literal, $name:literal, $severity:ident, $summary:literal; )*) => {
        /// A diagnostic kind with a stable code and a kebab-case name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $( #[doc = $summary] $variant, )*
        }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The stable code, e.g. `E0201`.
            pub fn id(self) -> &'static str {
                match self { $(Code::$variant => $id,)* }
            }

            /// The kebab-case name used by `--allow`, `--deny` and `expect`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }

            /// Severity unless the user overrides it.
            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// One-line summary for the code index.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $summary,)* }
            }
        }
    };
}

codes! {
    // E01xx: reading and parsing
    SyntaxError = "E0101", "syntax-error", Error, "The text is not valid gdl syntax.";
    NotText = "E0102", "not-text", Error, "The file is not UTF-8 text (binary or another encoding).";
    FileTooLarge = "E0103", "file-too-large", Error, "The file exceeds the size limit.";
    NestingTooDeep = "E0104", "nesting-too-deep", Error, "Parentheses or `not` nest deeper than the limit.";
    NumberOutOfRange = "E0105", "number-out-of-range", Error, "A number is too large to represent.";
    EmptyFile = "E0106", "empty-file", Error, "The file declares nothing.";
    // E02xx: names
    UnknownName = "E0201", "unknown-name", Error, "A name that is not declared.";
    DuplicateDefinition = "E0202", "duplicate-definition", Error, "A name declared twice.";
    RecursiveDefinition = "E0203", "recursive-definition", Error, "Definitions that refer to themselves.";
    UnknownReference = "E0204", "unknown-reference", Error, "A citation of an undeclared reference key.";
    MissingHeader = "E0205", "missing-header", Error, "No `guideline` header, or more than one.";
    UnusedFact = "W0206", "unused-fact", Warning, "A fact no condition reads.";
    UnusedAction = "W0207", "unused-action", Warning, "An action no rule recommends or avoids.";
    UnusedReference = "W0208", "unused-reference", Warning, "A reference nothing cites.";
    UnusedDefinition = "W0209", "unused-definition", Warning, "A definition no condition uses.";
    ConfusableName = "W0210", "confusable-name", Warning, "A name that mixes scripts with letters that look alike, such as a Cyrillic `о` in a Latin name.";
    NoRules = "W0211", "no-rules", Warning, "A guideline with no rules: no patient ever gets a decision.";
    // E03xx: types, units and evidence
    TypeMismatch = "E0301", "type-mismatch", Error, "A value used where another type is needed.";
    UnitMismatch = "E0302", "unit-mismatch", Error, "A quantity compared in a unit of another dimension, or without a unit.";
    UnknownUnit = "E0303", "unknown-unit", Error, "A unit gdl does not know.";
    UnknownEnumValue = "E0304", "unknown-enum-value", Error, "A value that is not in its enum.";
    MissingCitation = "E0305", "missing-citation", Error, "A rule that recommends or avoids without citing evidence.";
    MalformedPmid = "E0306", "malformed-pmid", Error, "A PubMed ID that is not 1 to 8 digits.";
    MalformedDoi = "E0307", "malformed-doi", Error, "A DOI that does not look like `10.NNNN/suffix`.";
    EmptyRule = "E0308", "empty-rule", Error, "A rule without a `when` or without any outcome.";
    UnknownLint = "E0309", "unknown-lint", Error, "An `expect` naming a lint that does not exist.";
    EnumTooLarge = "E0310", "enum-too-large", Error, "A `set of` fact over an enum with more than 128 values.";
    UnknownGrade = "E0311", "unknown-grade", Error, "A `strength` or `certainty` word that is not one of GRADE's.";
    DiscordantRecommendation = "W0312", "discordant-recommendation", Warning, "A strong recommendation on low or very low certainty evidence.";
    ScoreTooLarge = "E0313", "score-too-large", Error, "A score or count whose points add up to more than 500.";
    DeclaredLater = "E0314", "declared-later", Error, "A score item or a value that uses a score or value declared after it, or itself.";
    DivisionByZero = "E0315", "division-by-zero", Error, "A division whose divisor may be zero for a plausible patient.";
    EmptyRange = "E0323", "empty-range", Error, "A range no value lies in, such as `50..<30` or `30..<30`.";
    // W04xx: logic, each finding proved and shown with a witness patient
    UnreachableRule = "W0401", "unreachable-rule", Warning, "A rule no plausible patient can trigger.";
    ShadowedRule = "W0402", "shadowed-rule", Warning, "A rule that earlier rules of its first-match section always pre-empt.";
    AlwaysWithheld = "W0403", "always-withheld", Warning, "An alternative that is contraindicated or avoided whenever its rule fires.";
    UnreachableAlternative = "W0404", "unreachable-alternative", Warning, "An alternative never given because an earlier one always can be.";
    Conflict = "W0405", "conflict", Warning, "A rule's avoidance leaves another rule's recommendation with nothing to give.";
    ExclusiveConflict = "W0406", "exclusive-conflict", Warning, "Mutually exclusive actions recommended together for some patient.";
    RedundantRule = "W0407", "redundant-rule", Warning, "A rule implied by another rule with the same outcome.";
    CoverageGap = "W0408", "coverage-gap", Warning, "Patients a `complete` section gives no decision.";
    NotAnalysed = "W0409", "not-analysed", Warning, "A rule or section the logic analysis could not decide within its budget.";
    OverlappingMembers = "W0410", "overlapping-members", Warning, "Two members of a `disjoint` section that apply to one patient.";
    // E05xx: patient facts
    MalformedFacts = "E0501", "malformed-facts", Error, "The facts file is not valid JSON of the expected shape.";
    UnknownFact = "E0502", "unknown-fact", Error, "A facts key the guideline does not declare.";
    FactTypeMismatch = "E0503", "fact-type-mismatch", Error, "A fact value of the wrong type.";
    FactUnitMismatch = "E0504", "fact-unit-mismatch", Error, "A fact quantity with a missing, unknown or incompatible unit.";
    FactUnknownEnumValue = "E0505", "fact-unknown-enum-value", Error, "A fact value that is not in its enum.";
    // E06xx: the tool itself
    Io = "E0601", "io-error", Error, "A file could not be read.";
    // E07xx: case files
    MalformedCaseFile = "E0701", "malformed-case-file", Error, "A case file that is not valid JSON of the case-file shape.";
    UnknownCaseName = "E0702", "unknown-case-name", Error, "A case names an action, fact, rule or escalation kind the guideline does not declare.";
}

/// Where `docs/diagnostics.md` is published; each code's entry is an anchor
/// in it.
const DOCS: &str = "https://github.com/gdl-lang/gdl/blob/main/docs/diagnostics.md";

impl Code {
    /// The address of this code's entry in `docs/diagnostics.md` (its
    /// heading's anchor, `#e0201-unknown-name`), for SARIF's `helpUri` and
    /// the language server's `codeDescription`.
    pub fn docs_url(self) -> String {
        format!("{DOCS}#{}-{}", self.id().to_lowercase(), self.name())
    }

    /// Looks a code up by its kebab-case name or its id.
    pub fn from_name(text: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.name() == text || code.id().eq_ignore_ascii_case(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_and_names_are_unique() {
        let ids: HashSet<_> = Code::ALL.iter().map(|c| c.id()).collect();
        let names: HashSet<_> = Code::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(ids.len(), Code::ALL.len());
        assert_eq!(names.len(), Code::ALL.len());
    }

    #[test]
    fn warning_codes_start_with_w() {
        for code in Code::ALL {
            let is_warning = code.default_severity() == Severity::Warning;
            assert_eq!(is_warning, code.id().starts_with('W'), "{}", code.id());
        }
    }
}
