//! KFP naming rules.

/// Names an input may not take: Python keywords, since kfp users pass inputs as keyword
/// arguments, and `Output`, the name of a component's returned value.
const RESERVED_INPUT_NAMES: &[&str] = &[
    "Output", "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
    "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if",
    "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
    "while", "with", "yield",
];

/// Turns a Rust function name into a KFP component name: lowercase, each run of characters
/// other than `a-z` and `0-9` becomes one `-`, and leading or trailing `-` go, as kfp's
/// own name sanitising does.
pub(crate) fn kfp_name(function: &str) -> String {
    let mut name = String::with_capacity(function.len());
    for c in function.trim_start_matches("r#").chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    name.trim_matches('-').to_owned()
}

/// Checks a component or pipeline name: a lowercase DNS label of at most 128 characters.
pub(crate) fn check_component_name(name: &str) -> Result<(), String> {
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let valid_ends = !name.starts_with('-') && !name.ends_with('-');
    if !name.is_empty() && name.len() <= 128 && valid_chars && valid_ends {
        return Ok(());
    }
    Err(format!(
        "`{name}` is not a valid KFP name: use 1 to 128 lowercase letters, digits and `-`, \
         starting and ending with a letter or digit"
    ))
}

/// Checks the KFP name of an input or output: a Python identifier that is not reserved.
pub(crate) fn check_argument_name(name: &str, is_input: bool) -> Result<(), String> {
    let mut chars = name.chars();
    let valid_start = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !valid_start || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "`{name}` is not a valid KFP input or output name: use a Python identifier \
             (letters, digits and `_`, not starting with a digit)"
        ));
    }
    let reserved = RESERVED_INPUT_NAMES.contains(&name) && (is_input || name != "Output");
    if reserved {
        return Err(format!(
            "`{name}` is a reserved name: kfp users pass inputs as Python keyword arguments, \
             and `Output` names a component's returned value; rename it with `#[name = \"...\"]`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_become_dns_labels() {
        assert_eq!(kfp_name("train_model_v2"), "train-model-v2");
        assert_eq!(kfp_name("__private_fn"), "private-fn");
        assert_eq!(kfp_name("My_Func__Name"), "my-func-name");
        assert_eq!(kfp_name("r#type"), "type");
    }

    #[test]
    fn component_names_checked() {
        assert!(check_component_name("clean-2").is_ok());
        assert!(check_component_name("Clean").is_err());
        assert!(check_component_name("-clean").is_err());
        assert!(check_component_name("").is_err());
        assert!(check_component_name(&"a".repeat(129)).is_err());
    }

    #[test]
    fn argument_names_checked() {
        assert!(check_argument_name("min_rows", true).is_ok());
        assert!(check_argument_name("learningRate", true).is_ok());
        assert!(check_argument_name("lambda", true).is_err());
        assert!(check_argument_name("Output", true).is_err());
        assert!(check_argument_name("Output", false).is_ok());
        assert!(check_argument_name("2x", true).is_err());
        assert!(check_argument_name("a-b", true).is_err());
    }
}
