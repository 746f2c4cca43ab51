//! UCUM-style units: parsing a unit expression such as `mL/min/1.73m2` into
//! a dimension and a scale factor, so that quantities in convertible units
//! (mg and g) compare after conversion and incompatible ones are rejected.

use std::fmt;

/// Exponents of the base dimensions: mass, length, time, amount of
/// substance, and international units (which do not convert to anything).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Dimension([i8; 5]);

const NAMES: [&str; 5] = ["mass", "length", "time", "amount", "IU"];

impl Dimension {
    const MASS: Dimension = Dimension([1, 0, 0, 0, 0]);
    const LENGTH: Dimension = Dimension([0, 1, 0, 0, 0]);
    const TIME: Dimension = Dimension([0, 0, 1, 0, 0]);
    const AMOUNT: Dimension = Dimension([0, 0, 0, 1, 0]);
    const IU: Dimension = Dimension([0, 0, 0, 0, 1]);
    /// A pure number such as a percentage.
    pub const NONE: Dimension = Dimension([0; 5]);

    fn pow(self, exponent: i8) -> Dimension {
        let mut out = self.0;
        for e in &mut out {
            *e = e.saturating_mul(exponent);
        }
        Dimension(out)
    }

    fn mul(self, other: Dimension) -> Dimension {
        let mut out = self.0;
        for (e, o) in out.iter_mut().zip(other.0) {
            *e = e.saturating_add(o);
        }
        Dimension(out)
    }

    /// The dimension of a product of quantities of these dimensions.
    pub fn times(self, other: Dimension) -> Dimension {
        self.mul(other)
    }

    /// The dimension of a quotient of quantities of these dimensions.
    pub fn per(self, other: Dimension) -> Dimension {
        self.mul(other.pow(-1))
    }

    /// True for time, the dimension of `duration` facts.
    pub fn is_time(self) -> bool {
        self == Dimension::TIME
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Dimension::NONE {
            return f.write_str("dimensionless");
        }
        let mut first = true;
        for (name, exponent) in NAMES.iter().zip(self.0) {
            if exponent == 0 {
                continue;
            }
            if !first {
                f.write_str("·")?;
            }
            first = false;
            if exponent == 1 {
                write!(f, "{name}")?;
            } else {
                write!(f, "{name}^{exponent}")?;
            }
        }
        Ok(())
    }
}

/// A parsed unit: its spelling, dimension and factor to the base units
/// (g, m, s, mol, IU).
#[derive(Clone, Debug, PartialEq)]
pub struct Unit {
    /// As written.
    pub text: String,
    /// What it measures.
    pub dimension: Dimension,
    /// Multiply a value in this unit by `factor` to get base units.
    pub factor: f64,
}

impl Unit {
    /// Converts `value` in this unit to `target`. Callers check dimensions.
    /// The result is rounded to 12 significant digits, so decimal
    /// conversions come out exact (0.7 g is 700 mg, not 699.9999999999999)
    /// and thresholds written in different units compare as written.
    pub fn convert(&self, value: f64, target: &Unit) -> f64 {
        if self.factor == target.factor {
            return value;
        }
        let converted = value * (self.factor / target.factor);
        format!("{converted:.11e}").parse().unwrap_or(converted)
    }
}

/// Why a unit could not be parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitError {
    /// The part of the unit that was not understood.
    pub part: String,
}

/// The UCUM spelling of a unit written the everyday way (`years` → `a`,
/// `mcg` → `ug`), for "did you mean" help; only whole spellings, so the
/// suggestion is always a unit [`parse_unit`] accepts.
pub fn unit_alias(text: &str) -> Option<&'static str> {
    Some(match text {
        "y" | "yr" | "yrs" | "year" | "years" => "a",
        "day" | "days" => "d",
        "w" | "week" | "weeks" => "wk",
        "month" | "months" => "mo",
        "hr" | "hrs" | "hour" | "hours" => "h",
        "mins" | "minute" | "minutes" => "min",
        "sec" | "secs" | "second" | "seconds" => "s",
        "mcg" => "ug",
        "cc" => "mL",
        "percent" => "%",
        _ => return None,
    })
}

/// Atoms: (spelling, dimension, factor to base units).
const ATOMS: &[(&str, Dimension, f64)] = &[
    ("g", Dimension::MASS, 1.0),
    ("m", Dimension::LENGTH, 1.0),
    ("L", Dimension([0, 3, 0, 0, 0]), 1e-3),
    ("l", Dimension([0, 3, 0, 0, 0]), 1e-3),
    ("s", Dimension::TIME, 1.0),
    ("min", Dimension::TIME, 60.0),
    ("h", Dimension::TIME, 3600.0),
    ("d", Dimension::TIME, 86_400.0),
    ("wk", Dimension::TIME, 604_800.0),
    ("mo", Dimension::TIME, 2_629_800.0),
    ("a", Dimension::TIME, 31_557_600.0),
    ("mol", Dimension::AMOUNT, 1.0),
    ("U", Dimension([0, 0, -1, 1, 0]), 1e-6 / 60.0),
    ("[IU]", Dimension::IU, 1.0),
    ("IU", Dimension::IU, 1.0),
    ("%", Dimension::NONE, 0.01),
    // Pressure in base units g/(m·s²): 1 Pa = 1000.
    ("Pa", Dimension([1, -1, -2, 0, 0]), 1000.0),
    ("m[Hg]", Dimension([1, -1, -2, 0, 0]), 133_322_387.415),
    ("mmHg", Dimension([1, -1, -2, 0, 0]), 133_322.387_415),
    ("{count}", Dimension::NONE, 1.0),
];

const PREFIXES: &[(&str, f64)] = &[
    ("k", 1e3),
    ("d", 1e-1),
    ("c", 1e-2),
    ("m", 1e-3),
    ("u", 1e-6),
    ("µ", 1e-6),
    ("μ", 1e-6),
    ("n", 1e-9),
    ("p", 1e-12),
];

/// Parses a unit expression: terms joined by `.` (multiply) and `/`
/// (divide, left to right as in UCUM); each term is an optional number
/// (`1.73`, `10*9`), an atom with an optional prefix, and an optional
/// integer exponent (`m2`).
pub fn parse_unit(text: &str) -> Result<Unit, UnitError> {
    let mut dimension = Dimension::NONE;
    let mut factor = 1.0;
    let mut rest = text;
    let mut divide = false;
    if let Some(stripped) = rest.strip_prefix('/') {
        divide = true;
        rest = stripped;
    }
    loop {
        let (term_dimension, term_factor, after) = parse_term(rest)?;
        if divide {
            dimension = dimension.mul(term_dimension.pow(-1));
            factor /= term_factor;
        } else {
            dimension = dimension.mul(term_dimension);
            factor *= term_factor;
        }
        match after.chars().next() {
            None => break,
            Some('/') => divide = true,
            Some('.') => divide = false,
            Some(_) => {
                return Err(UnitError {
                    part: after.to_owned(),
                });
            }
        }
        rest = &after[1..];
    }
    if !factor.is_finite() || factor == 0.0 {
        return Err(UnitError {
            part: text.to_owned(),
        });
    }
    Ok(Unit {
        text: text.to_owned(),
        dimension,
        factor,
    })
}

/// One term; returns its dimension, factor and the unparsed remainder.
fn parse_term(text: &str) -> Result<(Dimension, f64, &str), UnitError> {
    let term_len = text.find(['/', '.']).unwrap_or(text.len());
    // A leading number may itself contain a `.`, as in `1.73m2`.
    let number_len = leading_number_len(text);
    let term_len = if number_len > 0 {
        number_len
            + text[number_len..]
                .find(['/', '.'])
                .unwrap_or(text.len() - number_len)
    } else {
        term_len
    };
    let (term, after) = text.split_at(term_len);
    let error = || UnitError {
        part: term.to_owned(),
    };
    let (number, body) = term.split_at(number_len);
    let mut factor = 1.0;
    if !number.is_empty() {
        factor = parse_factor(number).ok_or_else(error)?;
    }
    if body.is_empty() {
        return if number.is_empty() {
            Err(error())
        } else {
            Ok((Dimension::NONE, factor, after))
        };
    }
    let digits = body
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == '-')
        .last()
        .map_or(body.len(), |(i, _)| i);
    let (atom, exponent) = body.split_at(digits);
    let exponent: i8 = if exponent.is_empty() {
        1
    } else {
        exponent.parse().map_err(|_| error())?
    };
    let (atom_dimension, atom_factor) = lookup_atom(atom).ok_or_else(error)?;
    Ok((
        atom_dimension.pow(exponent),
        factor * atom_factor.powi(i32::from(exponent)),
        after,
    ))
}

fn leading_number_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut index = 0;
    while bytes.get(index).is_some_and(u8::is_ascii_digit) {
        index += 1;
    }
    if index == 0 {
        return 0;
    }
    if bytes.get(index) == Some(&b'.') && bytes.get(index + 1).is_some_and(u8::is_ascii_digit) {
        index += 1;
        while bytes.get(index).is_some_and(u8::is_ascii_digit) {
            index += 1;
        }
    }
    if matches!(bytes.get(index), Some(b'*' | b'^')) {
        index += 1;
        while bytes
            .get(index)
            .is_some_and(|b| b.is_ascii_digit() || *b == b'-')
        {
            index += 1;
        }
    }
    index
}

/// `1.73`, `10*9` or `10^9`.
fn parse_factor(number: &str) -> Option<f64> {
    let value = match number.split_once(['*', '^']) {
        Some((base, exponent)) => base.parse::<f64>().ok()?.powi(exponent.parse().ok()?),
        None => number.parse().ok()?,
    };
    (value.is_finite() && value > 0.0).then_some(value)
}

fn lookup_atom(atom: &str) -> Option<(Dimension, f64)> {
    let exact = |name: &str| {
        ATOMS
            .iter()
            .find(|(spelling, _, _)| *spelling == name)
            .map(|(_, dimension, factor)| (*dimension, *factor))
    };
    if let Some(found) = exact(atom) {
        return Some(found);
    }
    PREFIXES.iter().find_map(|(prefix, scale)| {
        let rest = atom.strip_prefix(prefix)?;
        let (dimension, factor) = exact(rest)?;
        Some((dimension, factor * scale))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(text: &str) -> Unit {
        parse_unit(text).unwrap_or_else(|e| panic!("{text}: {e:?}"))
    }

    #[test]
    fn egfr_unit_is_volume_per_time() {
        let egfr = unit("mL/min/1.73m2");
        assert_eq!(egfr.dimension, Dimension([0, 1, -1, 0, 0]));
    }

    #[test]
    fn milligrams_convert_to_grams() {
        assert!((unit("mg").convert(1500.0, &unit("g")) - 1.5).abs() < 1e-12);
        assert_eq!(unit("mg").dimension, unit("kg").dimension);
    }

    #[test]
    fn decimal_conversions_are_exact() {
        assert_eq!(unit("g/d").convert(0.7, &unit("mg/d")), 700.0);
        assert_eq!(
            unit("mL/s/1.73m2").convert(1.5, &unit("mL/min/1.73m2")),
            90.0
        );
    }

    #[test]
    fn months_are_longer_than_weeks() {
        assert!(unit("mo").convert(6.0, &unit("wk")) > 26.0);
        assert!(unit("mo").dimension.is_time());
    }

    #[test]
    fn counts_and_pressures_parse() {
        assert_eq!(unit("10*9/L").dimension, unit("/L").dimension);
        assert_eq!(unit("mm[Hg]").dimension, unit("mmHg").dimension);
        assert!((unit("mm[Hg]").factor - unit("mmHg").factor).abs() < 1e-6);
        assert_eq!(unit("mg/kg/d").dimension, Dimension([0, 0, -1, 0, 0]));
    }

    #[test]
    fn nonsense_is_rejected() {
        assert!(parse_unit("furlongs").is_err());
        assert!(parse_unit("mg/").is_err());
        assert!(parse_unit("10*999/L").is_err());
    }
}
