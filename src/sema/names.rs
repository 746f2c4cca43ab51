//! Checks on the spelling of names. Input: a name as lowered (a UAX #31
//! identifier in NFC). Output: whether it mixes scripts with letters that
//! look alike, such as a Cyrillic `о` in the Latin `dose`, which a reader
//! cannot tell from another name (UTS #39 mixed-script detection, as rustc's
//! `mixed_script_confusables` lint). Invariant: names in one script, of any
//! script (`fièvre`, `Größe`, `давление`), are never reported.

use unicode_security::mixed_script::AugmentedScriptSet;
use unicode_security::{MixedScript as _, is_potential_mixed_script_confusable_char, skeleton};

/// A name that mixes scripts with a confusable letter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confusable {
    /// The first letter not in the name's main script.
    pub odd: char,
    /// The script of that letter, e.g. `Cyrillic`.
    pub odd_script: String,
    /// The script of the rest of the name, e.g. `Latin`.
    pub main_script: String,
    /// The name with its odd letters replaced by the look-alikes of the
    /// main script, when that gives a single-script name.
    pub lookalike: Option<String>,
}

/// Reports a name that is not single-script and whose letters from another
/// script are ones that can be mistaken for letters of the main script.
pub fn confusable(name: &str) -> Option<Confusable> {
    if name.is_ascii() || name.is_single_script() {
        return None;
    }
    // The main script is the one of the first letter with a script of its
    // own (digits and `_` belong to every script).
    let main = name
        .chars()
        .map(AugmentedScriptSet::for_char)
        .find(|set| !set.is_all())?;
    let fits = |c: char| {
        let mut set = main;
        set.intersect_with(AugmentedScriptSet::for_char(c));
        !set.is_empty()
    };
    let odd = name.chars().find(|&c| !fits(c))?;
    if !name
        .chars()
        .filter(|&c| !fits(c))
        .any(is_potential_mixed_script_confusable_char)
    {
        return None;
    }
    let lookalike: String = name
        .chars()
        .map(|c| {
            if fits(c) {
                c.to_string()
            } else {
                skeleton(&c.to_string()).collect()
            }
        })
        .collect();
    let lookalike =
        (lookalike.as_str().is_single_script() && lookalike != name).then_some(lookalike);
    Some(Confusable {
        odd,
        odd_script: AugmentedScriptSet::for_char(odd).base.to_string(),
        main_script: main.base.to_string(),
        lookalike,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_one_script_are_fine() {
        for name in [
            "fièvre",
            "Größe",
            "давление",
            "dose_2",
            "_x",
            "température_max",
        ] {
            assert_eq!(confusable(name), None, "{name}");
        }
    }

    #[test]
    fn a_cyrillic_letter_in_a_latin_name_is_reported() {
        let found = confusable("d\u{43e}se");
        assert_eq!(
            found,
            Some(Confusable {
                odd: '\u{43e}',
                odd_script: "Cyrillic".to_owned(),
                main_script: "Latin".to_owned(),
                lookalike: Some("dose".to_owned()),
            })
        );
    }
}
