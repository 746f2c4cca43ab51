//! GRADE grading of a rule's recommendation: its strength and the certainty
//! of the evidence behind it, as the words gdl accepts for them.
//!
//! Input: the word after `strength` or `certainty`. Output: a typed value,
//! or nothing when the word is not GRADE's. Invariant: a rule that states
//! no grading has none; nothing here supplies a default.

/// GRADE strength of a recommendation (or of a recommendation against).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Strength {
    /// Most informed patients would choose it; clinicians should offer it.
    Strong,
    /// The balance is closer: offer it after discussing the options
    /// (GRADE's former "weak").
    Conditional,
}

/// GRADE certainty of the evidence ("quality of evidence" in older texts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Certainty {
    /// Further research is very unlikely to change the estimate.
    High,
    /// Further research may change the estimate.
    Moderate,
    /// Further research is likely to change the estimate.
    Low,
    /// Any estimate is very uncertain.
    VeryLow,
}

impl Strength {
    /// Every strength, strongest first.
    pub const ALL: [Strength; 2] = [Strength::Strong, Strength::Conditional];

    /// The word a guideline writes after `strength`.
    pub fn word(self) -> &'static str {
        match self {
            Strength::Strong => "strong",
            Strength::Conditional => "conditional",
        }
    }

    /// The strength `word` names, if it is one.
    pub fn from_word(word: &str) -> Option<Strength> {
        Strength::ALL.into_iter().find(|s| s.word() == word)
    }

    /// The GRADE word for another vocabulary's word for a strength: NICE
    /// writes "offer" and "consider", GRADE panels "we recommend" and "we
    /// suggest", older GRADE texts "weak".
    pub fn from_synonym(word: &str) -> Option<Strength> {
        match word.to_ascii_lowercase().as_str() {
            "offer" | "recommend" => Some(Strength::Strong),
            "consider" | "suggest" | "weak" => Some(Strength::Conditional),
            _ => None,
        }
    }
}

impl Certainty {
    /// Every certainty, highest first.
    pub const ALL: [Certainty; 4] = [
        Certainty::High,
        Certainty::Moderate,
        Certainty::Low,
        Certainty::VeryLow,
    ];

    /// The words a guideline writes after `certainty`.
    pub fn word(self) -> &'static str {
        match self {
            Certainty::High => "high",
            Certainty::Moderate => "moderate",
            Certainty::Low => "low",
            Certainty::VeryLow => "very low",
        }
    }

    /// The certainty `word` names, if it is one.
    pub fn from_word(word: &str) -> Option<Certainty> {
        Certainty::ALL.into_iter().find(|c| c.word() == word)
    }

    /// Low or very low: too little, in GRADE's guidance, to carry a strong
    /// recommendation outside a few paradigmatic situations.
    pub fn is_low(self) -> bool {
        matches!(self, Certainty::Low | Certainty::VeryLow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_as_its_value() {
        for strength in Strength::ALL {
            assert_eq!(Strength::from_word(strength.word()), Some(strength));
        }
        for certainty in Certainty::ALL {
            assert_eq!(Certainty::from_word(certainty.word()), Some(certainty));
        }
        assert_eq!(Certainty::from_word("very_low"), None);
    }

    #[test]
    fn nice_and_old_grade_words_map_to_a_strength() {
        assert_eq!(Strength::from_synonym("offer"), Some(Strength::Strong));
        assert_eq!(
            Strength::from_synonym("Consider"),
            Some(Strength::Conditional)
        );
        assert_eq!(Strength::from_synonym("weak"), Some(Strength::Conditional));
        assert_eq!(
            Strength::from_synonym("suggest"),
            Some(Strength::Conditional)
        );
        assert_eq!(Strength::from_synonym("recommend"), Some(Strength::Strong));
        assert_eq!(Strength::from_synonym("strongly"), None);
    }
}
