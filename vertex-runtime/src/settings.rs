//! Task settings: retries and compute resources, validated and converted the way kfp
//! 2.17.3's `PipelineTask` setters and compiler do.

use std::time::Duration;

/// How often and how late a failed task is retried (`retryPolicy`).
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retry_count: u32,
    /// Wait before the first retry, in whole seconds; kfp's default is no wait.
    pub backoff_duration: Duration,
    /// Factor applied to the wait after each retry.
    pub backoff_factor: f64,
    /// Cap of the wait between two attempts, in whole seconds.
    pub backoff_max_duration: Duration,
}

impl RetryPolicy {
    /// Creates kfp's default policy for `max_retry_count` retries: no wait, factor 2, at most
    /// an hour.
    pub fn new(max_retry_count: u32) -> Self {
        Self {
            max_retry_count,
            backoff_duration: Duration::ZERO,
            backoff_factor: 2.0,
            backoff_max_duration: Duration::from_secs(3600),
        }
    }

    /// Returns the wait before retry number `retry` (1 for the first retry).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponent = i32::try_from(retry.saturating_sub(1)).unwrap_or(i32::MAX);
        let seconds = self.backoff_duration.as_secs_f64() * self.backoff_factor.powi(exponent);
        let capped = seconds.min(self.backoff_max_duration.as_secs_f64());
        Duration::try_from_secs_f64(capped).unwrap_or(self.backoff_max_duration)
    }
}

/// Renders a duration in whole seconds, the protobuf JSON form kfp writes, such as `30s`.
pub(crate) fn duration_text(duration: Duration) -> String {
    format!("{}s", duration.as_secs())
}

/// CPU, memory and accelerator requests and limits of a task, as the strings kfp keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    /// Such as `2` or `500m`.
    pub cpu_limit: Option<String>,
    /// Such as `1` or `250m`.
    pub cpu_request: Option<String>,
    /// Such as `4G` or `512Mi`.
    pub memory_limit: Option<String>,
    /// Such as `2G`.
    pub memory_request: Option<String>,
    /// Such as `nvidia.com/gpu` or `NVIDIA_TESLA_T4`.
    pub accelerator_type: Option<String>,
    /// A non-negative integer.
    pub accelerator_count: Option<String>,
}

impl Resources {
    /// Returns whether no resource is set.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Checks a CPU quantity: a number, or an integer followed by `m` (millicores).
pub(crate) fn check_cpu(value: &str) -> Result<(), String> {
    let number = value.strip_suffix('m').unwrap_or(value);
    let (whole, fraction) = number.split_once('.').unwrap_or(("", number));
    let digits = |text: &str| text.chars().all(|c| c.is_ascii_digit());
    if !fraction.is_empty() && digits(whole) && digits(fraction) {
        return Ok(());
    }
    Err(format!(
        "invalid CPU quantity `{value}`: expected a number such as `2` or `0.5`, or millicores such as `500m`"
    ))
}

/// Converts a checked CPU quantity to cores, as kfp's compiler does.
pub(crate) fn cpu_cores(value: &str) -> f64 {
    match value.strip_suffix('m') {
        Some(millis) => millis.parse::<f64>().unwrap_or(0.0) / 1000.0,
        None => value.parse().unwrap_or(0.0),
    }
}

/// Memory units kfp accepts, with their size in bytes; two-letter units come first so
/// that `Gi` is not read as `G`.
const MEMORY_UNITS: &[(&str, f64)] = &[
    ("Ei", 1_152_921_504_606_846_976.0),
    ("Pi", 1_125_899_906_842_624.0),
    ("Ti", 1_099_511_627_776.0),
    ("Gi", 1_073_741_824.0),
    ("Mi", 1_048_576.0),
    ("Ki", 1_024.0),
    ("E", 1e18),
    ("P", 1e15),
    ("T", 1e12),
    ("G", 1e9),
    ("M", 1e6),
    ("K", 1e3),
    ("", 1.0),
];

/// Splits a memory quantity into its number, unit and the unit's size in bytes.
fn split_memory(value: &str) -> Option<(&str, &'static str, f64)> {
    MEMORY_UNITS.iter().find_map(|&(unit, bytes)| {
        let number = value.strip_suffix(unit)?;
        let valid = !number.is_empty() && number.chars().all(|c| c.is_ascii_digit());
        valid.then_some((number, unit, bytes))
    })
}

/// Checks a memory quantity: an integer, optionally followed by one of `E`, `Ei`, `P`,
/// `Pi`, `T`, `Ti`, `G`, `Gi`, `M`, `Mi`, `K` or `Ki`.
pub(crate) fn check_memory(value: &str) -> Result<(), String> {
    match split_memory(value) {
        Some(_) => Ok(()),
        None => Err(format!(
            "invalid memory quantity `{value}`: expected an integer with an optional unit \
             (E, Ei, P, Pi, T, Ti, G, Gi, M, Mi, K, Ki), such as `4G` or `512Mi`"
        )),
    }
}

/// Converts a checked memory quantity to gigabytes (10^9 bytes), as kfp's compiler does.
pub(crate) fn memory_gigabytes(value: &str) -> f64 {
    match split_memory(value) {
        // kfp takes gigabytes as they are, without the multiplication that could round.
        Some((number, "G", _)) => number.parse().unwrap_or(0.0),
        Some((number, _, bytes)) => number.parse::<f64>().unwrap_or(0.0) * bytes / 1e9,
        None => 0.0,
    }
}

/// Checks an accelerator count: a non-negative integer.
pub(crate) fn check_accelerator_count(value: &str) -> Result<(), String> {
    if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "invalid accelerator count `{value}`: expected a non-negative integer"
        ))
    }
}

/// Checks an environment variable name: letters, digits and `_`, not starting with a
/// digit, as POSIX shells require.
pub(crate) fn check_env_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid_start = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if valid_start && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(())
    } else {
        Err(format!(
            "invalid environment variable name `{name}`: use letters, digits and `_`"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_quantities() {
        for valid in ["2", "0.5", ".5", "500m", "2.5m"] {
            assert!(check_cpu(valid).is_ok(), "{valid}");
        }
        for invalid in ["", "m", "2 ", "-1", "1e3", "two", "1.2.3"] {
            assert!(check_cpu(invalid).is_err(), "{invalid}");
        }
        assert_eq!(cpu_cores("500m"), 0.5);
        assert_eq!(cpu_cores("2"), 2.0);
    }

    #[test]
    fn memory_quantities() {
        for valid in ["4G", "512Mi", "1024", "1Ei", "3K"] {
            assert!(check_memory(valid).is_ok(), "{valid}");
        }
        for invalid in ["", "G", "1.5G", "4GB", "-1G", "4g"] {
            assert!(check_memory(invalid).is_err(), "{invalid}");
        }
        assert_eq!(memory_gigabytes("4G"), 4.0);
        assert_eq!(memory_gigabytes("512Mi"), 0.536870912);
        assert_eq!(memory_gigabytes("1Gi"), 1.073741824);
    }

    #[test]
    fn backoff_grows_and_caps() {
        let policy = RetryPolicy {
            max_retry_count: 5,
            backoff_duration: Duration::from_secs(30),
            backoff_factor: 2.0,
            backoff_max_duration: Duration::from_secs(100),
        };
        assert_eq!(policy.backoff(1), Duration::from_secs(30));
        assert_eq!(policy.backoff(2), Duration::from_secs(60));
        assert_eq!(policy.backoff(3), Duration::from_secs(100));
        assert_eq!(RetryPolicy::new(3).backoff(2), Duration::ZERO);
    }

    #[test]
    fn durations_render_as_protobuf_json() {
        assert_eq!(duration_text(Duration::from_secs(30)), "30s");
        assert_eq!(duration_text(Duration::ZERO), "0s");
    }
}
