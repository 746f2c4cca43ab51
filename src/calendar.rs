//! Calendar dates as whole days since 1970-01-01 (the proleptic Gregorian
//! calendar): reading and writing `YYYY-MM-DD`, and the completed years
//! and months between two dates, as an age is counted.
//!
//! Input and output are plain integers and strings; nothing here reads a
//! clock: a guideline's evaluation date is a fact like any other.

/// Days from 1970-01-01 to the date `year-month-day`, for a valid date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> Option<i64> {
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    // Years counted from March, so the leap day ends a year (H. Hinnant's
    // civil-date algorithm).
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some(era * 146_097 + day_of_era - 719_468)
}

/// The date `days` after 1970-01-01, as (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Reads `YYYY-MM-DD` (a four-digit year); `None` for anything else,
/// an impossible date (`2023-02-29`) included.
pub fn parse_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    days_from_civil(i64::from(number(0..4)?), number(5..7)?, number(8..10)?)
}

/// Writes a day number as `YYYY-MM-DD`.
pub fn format_date(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Whole months completed from `from` to `to` (negative when `to` is
/// earlier): a month is completed on the same day of a later month, or on
/// its last day when that month is shorter.
pub fn months_between(from: i64, to: i64) -> i64 {
    if to < from {
        return -months_between(to, from);
    }
    let (from_year, from_month, from_day) = civil_from_days(from);
    let (to_year, to_month, to_day) = civil_from_days(to);
    let mut months = (to_year - from_year) * 12 + i64::from(to_month) - i64::from(from_month);
    let last_day = days_in_month(to_year, to_month);
    if to_day < from_day && to_day < last_day {
        months -= 1;
    }
    months
}

/// Whole years completed from `from` to `to`: an age on `to` for a birth
/// date `from` (born on 29 February, a year is completed on 28 February).
pub fn years_between(from: i64, to: i64) -> i64 {
    months_between(from, to) / 12
}

/// [`years_between`] (`years`) or [`months_between`] for two instants in
/// seconds since 1970-01-01, as arithmetic holds dates (whole days in
/// seconds); `None` when either is not a finite number.
pub fn whole_between(years: bool, from_seconds: f64, to_seconds: f64) -> Option<i64> {
    let day = |seconds: f64| {
        seconds
            .is_finite()
            .then(|| (seconds / 86_400.0).floor() as i64)
    };
    let (from, to) = (day(from_seconds)?, day(to_seconds)?);
    Some(if years {
        years_between(from, to)
    } else {
        months_between(from, to)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_dates_round_trip_across_leap_years_and_centuries() {
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(2000, 3, 1), Some(11_017));
        assert_eq!(days_from_civil(1969, 12, 31), Some(-1));
        for days in (-800_000..800_000).step_by(97) {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), Some(days), "{days}");
        }
        assert_eq!(format_date(19_723), "2024-01-01");
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-01-01",
            "2024-01-32",
            "20a4-01-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn ages_count_completed_years_and_months() {
        let date = |text| parse_date(text).unwrap_or_else(|| panic!("{text}"));
        assert_eq!(years_between(date("1960-06-15"), date("2026-06-14")), 65);
        assert_eq!(years_between(date("1960-06-15"), date("2026-06-15")), 66);
        assert_eq!(years_between(date("2000-02-29"), date("2021-02-28")), 21);
        assert_eq!(months_between(date("2026-01-31"), date("2026-02-28")), 1);
        assert_eq!(months_between(date("2026-01-31"), date("2026-02-27")), 0);
        assert_eq!(months_between(date("2025-12-06"), date("2026-12-06")), 12);
        assert_eq!(months_between(date("2026-12-06"), date("2025-12-06")), -12);
        assert_eq!(years_between(date("2026-12-06"), date("2025-12-07")), 0);
    }
}
