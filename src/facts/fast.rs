//! A strict scanner for the common shape of a facts line: a flat object
//! whose strings have no escapes and whose numbers are short decimals.
//!
//! It reads only what it is sure of and returns `None` on anything else:
//! escapes, long numbers, a key given twice, an unknown key, a value of the
//! wrong type, an unknown unit, any error. The serde reader then gives the
//! answer or the located diagnostic. So the scanner never has to explain a
//! problem; it only has to read what it accepts to the values the serde
//! reader gives, which is what `tests/facts_fast.rs` checks.

use super::Reader;
use super::{ID_KEY, Seen, same_bytes};
use crate::eval::{Patient, Value};
use crate::sema::{EnumId, FactId, Type};
use crate::units::{Unit, parse_unit};

/// Reads `text` if it has the common shape and is valid; `None` otherwise.
/// Bytes, not `str`: a cohort line need not be checked for UTF-8 first.
/// What is accepted is UTF-8 all the same: outside strings only ASCII is
/// read, keys and enum values must equal names of the model, and the
/// identifier and units are checked where they are read.
pub(super) fn parse(reader: &Reader<'_>, text: &[u8]) -> Option<Patient> {
    let mut scanner = Scanner { text, pos: 0 };
    let mut patient = Patient::unknown(reader.program);
    let mut seen = Seen::new(patient.len());
    let mut id_given = false;
    let mut guess = FactId(0);
    scanner.skip_ws();
    scanner.expect(b'{')?;
    scanner.skip_ws();
    if !scanner.eat(b'}') {
        let facts = &reader.program.model.facts;
        loop {
            // Facts usually come in declaration order: try the next one's
            // name in place before scanning the key.
            let (fact, ty) = match facts.get(guess) {
                Some(fact) if fact.derived.is_none() && scanner.quoted(fact.name.as_bytes()) => {
                    (guess, &fact.ty)
                }
                _ => {
                    let key = scanner.raw_string()?;
                    if same_bytes(key, ID_KEY.as_bytes()) {
                        scanner.colon()?;
                        // Serde keeps the last of several ids; rare enough
                        // to leave to it.
                        if std::mem::replace(&mut id_given, true) {
                            return None;
                        }
                        patient.id = if scanner.null() {
                            None
                        } else {
                            Some(scanner.string()?.to_owned())
                        };
                        if scanner.comma_or_end()? {
                            continue;
                        }
                        break;
                    }
                    let fact = reader.names.fact(key)?;
                    (fact, &facts.get(fact)?.ty)
                }
            };
            scanner.colon()?;
            guess = FactId(fact.0.saturating_add(1));
            if !seen.insert(fact) {
                return None;
            }
            patient.set(fact, scanner.value(reader, ty)?);
            if !scanner.comma_or_end()? {
                break;
            }
        }
    }
    scanner.skip_ws();
    if !scanner.at_end() {
        return None;
    }
    reader.program.derive(&mut patient);
    Some(patient)
}

/// Powers of ten that are exact in an `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Largest significand read: every integer up to it is exact in an `f64`.
const MAX_SIGNIFICAND: u64 = 1 << 53;

struct Scanner<'t> {
    text: &'t [u8],
    pos: usize,
}

impl<'t> Scanner<'t> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos += 1;
        Some(byte)
    }

    /// Consumes `byte` if it is next.
    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.eat(byte).then_some(())
    }

    /// Consumes `literal` if the text continues with it. What follows is
    /// checked by the caller (`nullx` fails at the `,` or `}` expected next).
    /// A fixed size, so the comparison is inlined.
    fn literal<const N: usize>(&mut self, literal: &[u8; N]) -> bool {
        let found = self.text.get(self.pos..self.pos + N) == Some(literal);
        if found {
            self.pos += N;
        }
        found
    }

    /// Consumes the string `"name"` if it is next: a key or value expected
    /// here, compared in place (names are identifiers: no escapes).
    fn quoted(&mut self, name: &[u8]) -> bool {
        let bytes = self.text;
        let start = self.pos + 1;
        let end = start + name.len();
        let found = bytes.get(self.pos) == Some(&b'"')
            && bytes.get(end) == Some(&b'"')
            && bytes
                .get(start..end)
                .is_some_and(|here| same_bytes(here, name));
        if found {
            self.pos = end + 1;
        }
        found
    }

    /// The `:` after a key, with the blanks around it.
    fn colon(&mut self) -> Option<()> {
        self.skip_ws();
        self.expect(b':')?;
        self.skip_ws();
        Some(())
    }

    /// After a member of an object: `,` (true: another follows) or the
    /// object's `}` (false), with the blanks around.
    fn comma_or_end(&mut self) -> Option<bool> {
        self.skip_ws();
        match self.next()? {
            b',' => {
                self.skip_ws();
                Some(true)
            }
            b'}' => Some(false),
            _ => None,
        }
    }

    fn null(&mut self) -> bool {
        self.literal(b"null")
    }

    /// JSON whitespace only (not form feed, unlike `is_ascii_whitespace`).
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn at_end(&self) -> bool {
        self.pos == self.text.len()
    }

    /// A string without escapes or control characters, borrowed.
    fn string(&mut self) -> Option<&'t str> {
        std::str::from_utf8(self.raw_string()?).ok()
    }

    /// [`Self::string`] as bytes, which is all a key or an enum value needs.
    fn raw_string(&mut self) -> Option<&'t [u8]> {
        self.expect(b'"')?;
        let rest = self.text.get(self.pos..)?;
        let len = string_end(rest)?;
        if rest.get(len) != Some(&b'"') {
            return None;
        }
        self.pos += len + 1;
        rest.get(..len)
    }

    /// A JSON number whose digits, read as one integer, are at most 2^53 and
    /// whose decimal exponent is within ±22. Then the significand and the
    /// power of ten are exact in an `f64`, so one multiplication or division
    /// rounds correctly: the value serde_json gives, with or without its
    /// `float_roundtrip` feature (both read the digits the same way).
    fn number(&mut self) -> Option<f64> {
        let negative = self.eat(b'-');
        let mut significand = 0u64;
        let mut exponent = 0i32;
        match self.next()? {
            b'0' => {
                // JSON allows no leading zeros.
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    return None;
                }
            }
            digit @ b'1'..=b'9' => {
                significand = u64::from(digit - b'0');
                while let Some(digit) = self.digit() {
                    significand = accumulate(significand, digit)?;
                }
            }
            _ => return None,
        }
        if self.eat(b'.') {
            // At least one digit after the point.
            significand = accumulate(significand, self.digit()?)?;
            exponent -= 1;
            while let Some(digit) = self.digit() {
                significand = accumulate(significand, digit)?;
                exponent -= 1;
            }
        }
        if self.eat(b'e') || self.eat(b'E') {
            let negative_exponent = self.eat(b'-');
            if !negative_exponent {
                self.eat(b'+');
            }
            let mut written = i32::from(self.digit()?);
            while let Some(digit) = self.digit() {
                written = written * 10 + i32::from(digit);
                if written > 1000 {
                    return None;
                }
            }
            exponent += if negative_exponent { -written } else { written };
        }
        let power = POW10.get(exponent.unsigned_abs() as usize)?;
        let magnitude = significand as f64;
        let magnitude = if exponent >= 0 {
            magnitude * power
        } else {
            magnitude / power
        };
        Some(if negative { -magnitude } else { magnitude })
    }

    fn digit(&mut self) -> Option<u8> {
        let byte = self.peek().filter(u8::is_ascii_digit)?;
        self.pos += 1;
        Some(byte - b'0')
    }

    /// The value of a fact of type `ty`, if it has that type.
    fn value(&mut self, reader: &Reader<'_>, ty: &Type) -> Option<Value> {
        if self.null() {
            return Some(Value::Unknown);
        }
        match ty {
            Type::Bool => {
                if self.literal(b"true") {
                    Some(Value::Bool(true))
                } else if self.literal(b"false") {
                    Some(Value::Bool(false))
                } else {
                    None
                }
            }
            Type::Number => self.number().map(Value::Number),
            // Dates are rare: the serde reader reads them.
            Type::Date => None,
            Type::Quantity(declared) => self.quantity(declared),
            Type::Enum(id) => self.member(reader, *id, 0).map(Value::Enum),
            Type::Set(id) => self.set(reader, *id),
        }
    }

    /// `{"value": NUMBER or null, "unit": STRING}`, keys in either order,
    /// each once; the unit converted to `declared` as the serde reader does.
    fn quantity(&mut self, declared: &Unit) -> Option<Value> {
        self.expect(b'{')?;
        let mut value: Option<Option<f64>> = None;
        let mut unit: Option<&[u8]> = None;
        self.skip_ws();
        loop {
            let key = self.raw_string()?;
            self.colon()?;
            match key {
                // Serde keeps the last of repeated keys; leave those to it.
                b"value" if value.is_none() => {
                    value = Some(if self.null() {
                        None
                    } else {
                        Some(self.number()?)
                    });
                }
                b"unit" if unit.is_none() => unit = Some(self.raw_string()?),
                _ => return None,
            }
            if !self.comma_or_end()? {
                break;
            }
        }
        // A null value makes the fact unknown, whatever the unit.
        let Some(value) = value? else {
            return Some(Value::Unknown);
        };
        let unit = unit?;
        if same_bytes(unit, declared.text.as_bytes()) {
            return Some(Value::Number(value));
        }
        let given = parse_unit(std::str::from_utf8(unit).ok()?).ok()?;
        if given.dimension != declared.dimension {
            return None;
        }
        Some(Value::Number(given.convert(value, declared)))
    }

    /// A value of enum `enum_index`, as its index: the value at `guess`
    /// is compared in place (set members are often listed in declaration
    /// order), any other is read and looked up by name.
    fn member(&mut self, reader: &Reader<'_>, enum_index: EnumId, guess: usize) -> Option<u32> {
        let values = &reader.program.model.enums.get(enum_index)?.values;
        if let Some(name) = values.get(guess)
            && self.quoted(name.as_bytes())
        {
            return u32::try_from(guess).ok();
        }
        reader.names.enum_value(enum_index, self.raw_string()?)
    }

    /// `[STRING, …]` of values of `values`, as a bitset.
    fn set(&mut self, reader: &Reader<'_>, enum_index: EnumId) -> Option<Value> {
        self.expect(b'[')?;
        self.skip_ws();
        let mut bits = 0u128;
        if self.eat(b']') {
            return Some(Value::Set(bits));
        }
        let mut guess = 0;
        loop {
            // Members are often listed in declaration order.
            let value = self.member(reader, enum_index, guess)?;
            guess = value as usize + 1;
            bits |= 1u128 << value.min(127);
            self.skip_ws();
            match self.next()? {
                b',' => self.skip_ws(),
                b']' => return Some(Value::Set(bits)),
                _ => return None,
            }
        }
    }
}

/// The index of the first `"`, `\\` or control character in `bytes`.
/// Eight bytes at a time: keys are most of a facts line.
fn string_end(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    /// High bit set in each byte of `word` that is zero; exact up to the
    /// first zero byte, which is all that is read.
    fn zero_bytes(word: u64) -> u64 {
        word.wrapping_sub(ONES) & !word & HIGHS
    }
    let chunks = bytes.chunks_exact(8);
    let tail = chunks.remainder();
    for (index, chunk) in chunks.enumerate() {
        let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let word = u64::from_le_bytes(chunk);
        let special = zero_bytes(word ^ (ONES * u64::from(b'"')))
            | zero_bytes(word ^ (ONES * u64::from(b'\\')))
            // Bytes below 0x20 (the trick holds for bounds up to 0x80).
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS);
        if special != 0 {
            return Some(index * 8 + special.trailing_zeros() as usize / 8);
        }
    }
    let position = tail
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    Some(bytes.len() - tail.len() + position)
}

/// `significand * 10 + digit`, if it stays at most [`MAX_SIGNIFICAND`].
fn accumulate(significand: u64, digit: u8) -> Option<u64> {
    let next = significand * 10 + u64::from(digit);
    (next <= MAX_SIGNIFICAND).then_some(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> Option<f64> {
        let mut scanner = Scanner {
            text: text.as_bytes(),
            pos: 0,
        };
        let value = scanner.number()?;
        scanner.at_end().then_some(value)
    }

    #[test]
    fn numbers_read_as_serde_json_reads_them() {
        for text in [
            "0",
            "-0",
            "1",
            "-1",
            "45",
            "5.9",
            "6.1",
            "0.75",
            "183",
            "1e3",
            "1E+3",
            "25e-1",
            "-0.0",
            "0.1",
            "0.3000000000000000",
            "9007199254740992",
            "1.5e22",
            "123.456e-19",
            "4.35",
            "1234567.891",
        ] {
            let expected: f64 = serde_json::from_str(text).unwrap_or(f64::NAN);
            let read = number(text).unwrap_or(f64::NAN);
            assert_eq!(read.to_bits(), expected.to_bits(), "{text}");
            assert_eq!(read.to_bits(), text.parse::<f64>().unwrap_or(0.0).to_bits());
        }
    }

    #[test]
    fn numbers_it_is_not_sure_of_are_left_to_serde() {
        for text in [
            "",
            "-",
            "01",
            "-01",
            "1.",
            ".5",
            "1e",
            "1e+",
            "+1",
            "1.e3",
            "9007199254740993",
            "12345678901234567890",
            "0.30000000000000004",
            "1e23",
            "123.456e-20",
            "1e-23",
            "0e400",
            "1e99999999999",
            "NaN",
            "Infinity",
            "0x10",
            "1_000",
        ] {
            assert_eq!(number(text), None, "{text}");
        }
    }

    #[test]
    fn strings_with_escapes_or_control_characters_are_left_to_serde() {
        for (text, expected) in [
            (r#""anti_MDA5""#, Some("anti_MDA5")),
            (r#""""#, Some("")),
            (r#""é ü""#, Some("é ü")),
            (r#""anti_\u004dDA5""#, None),
            (r#""a\"b""#, None),
            ("\"a\tb\"", None),
            (r#""open"#, None),
            ("anti", None),
        ] {
            let mut scanner = Scanner {
                text: text.as_bytes(),
                pos: 0,
            };
            assert_eq!(scanner.string(), expected, "{text}");
        }
    }

    #[test]
    fn string_end_finds_the_first_special_byte_anywhere() {
        let naive = |bytes: &[u8]| {
            bytes
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        };
        for len in 0..20 {
            for at in 0..len {
                for special in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                    for filler in [b'a', b' ', 0x20, 0x7f, 0x80, 0xff, b'!', b'#', b'[', b']'] {
                        let mut bytes = vec![filler; len];
                        bytes[at] = special;
                        // A second special byte after the first must not matter.
                        if at + 1 < len {
                            bytes[at + 1] = 0x00;
                        }
                        assert_eq!(string_end(&bytes), naive(&bytes), "{bytes:?}");
                    }
                }
            }
            assert_eq!(string_end(&vec![b'x'; len]), None);
        }
    }
}
