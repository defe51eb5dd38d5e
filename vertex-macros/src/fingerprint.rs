//! The fingerprint of a component: a hash of the function as the macro sees it, which the
//! spec passes to the task in its arguments so that a change to the component changes its
//! cache key on Vertex AI, and nothing else does.
//!
//! It covers the function's attributes other than doc comments, its signature and its body
//! as tokens, the `version` option and the version of this crate. Formatting and comments
//! are not tokens, so they change nothing; neither does any code outside the function,
//! such as the helpers it calls or the crates it uses.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::ToTokens;
use sha2::{Digest, Sha256};
use syn::ItemFn;

/// Returns 16 hexadecimal digits: the first 64 bits of a SHA-256 over the component.
pub(crate) fn fingerprint(function: &ItemFn, version: Option<&str>) -> String {
    let mut function = function.clone();
    function.attrs.retain(|attr| !attr.path().is_ident("doc"));
    let mut hasher = Sha256::new();
    // Each field ends with a byte that no token text contains, so fields cannot run together.
    for field in [
        "vertex-component-fingerprint-1",
        env!("CARGO_PKG_VERSION"),
        version.unwrap_or(""),
    ] {
        hasher.update(field.as_bytes());
        hasher.update([0]);
    }
    hash_tokens(&mut hasher, function.into_token_stream());
    hasher.finalize()[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Feeds tokens to the hasher in a form that depends on the tokens alone, not on how
/// `proc_macro2` prints a stream, which may change between compiler versions.
fn hash_tokens(hasher: &mut Sha256, tokens: TokenStream) {
    for token in tokens {
        match token {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("\u{1}", "\u{2}"),
                };
                hasher.update(open.as_bytes());
                hash_tokens(hasher, group.stream());
                hasher.update(close.as_bytes());
            }
            TokenTree::Ident(ident) => {
                hasher.update(ident.to_string().as_bytes());
                hasher.update(b" ");
            }
            TokenTree::Punct(punct) => {
                hasher.update(punct.as_char().to_string().as_bytes());
                if punct.spacing() == Spacing::Alone {
                    hasher.update(b" ");
                }
            }
            TokenTree::Literal(literal) => {
                hasher.update(literal.to_string().as_bytes());
                hasher.update(b" ");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fingerprint;

    /// Returns the fingerprint of each function in `source`, in order.
    fn fingerprints(source: &str) -> Vec<String> {
        let file: syn::File = syn::parse_str(source).expect("valid Rust");
        file.items
            .iter()
            .map(|item| match item {
                syn::Item::Fn(function) => fingerprint(function, None),
                _ => panic!("only functions expected"),
            })
            .collect()
    }

    const COMPONENTS: &str = r#"
        /// Adds two numbers.
        fn add(a: i64, b: i64) -> i64 { a + b }

        fn greet(#[default("world")] name: String) -> String { format!("hello {name}") }

        fn scale(x: f64, #[default(2.0)] factor: f64) -> f64 { x * factor }
    "#;

    #[test]
    fn body_edit_changes_only_that_component() {
        let before = fingerprints(COMPONENTS);
        let after = fingerprints(&COMPONENTS.replace("x * factor", "x * factor + 0.0"));
        assert_eq!(before[0], after[0]);
        assert_eq!(before[1], after[1]);
        assert_ne!(before[2], after[2]);
    }

    #[test]
    fn signature_and_default_edits_change_it() {
        let before = fingerprints(COMPONENTS);
        let renamed = fingerprints(&COMPONENTS.replace("b: i64", "c: i64"));
        assert_ne!(before[0], renamed[0]);
        let default = fingerprints(&COMPONENTS.replace("default(2.0)", "default(3.0)"));
        assert_ne!(before[2], default[2]);
    }

    #[test]
    fn formatting_and_comments_change_nothing() {
        let before = fingerprints(COMPONENTS);
        let reformatted = COMPONENTS
            .replace(
                "/// Adds two numbers.",
                "/// Adds two integers.\n// a comment",
            )
            .replace("a + b", "a\n            +   b // sum\n");
        assert_eq!(before, fingerprints(&reformatted));
    }

    #[test]
    fn version_option_changes_it() {
        let file: syn::File = syn::parse_str(COMPONENTS).unwrap();
        let syn::Item::Fn(add) = &file.items[0] else {
            unreachable!()
        };
        let unversioned = fingerprint(add, None);
        let first = fingerprint(add, Some("1"));
        let second = fingerprint(add, Some("2"));
        assert_ne!(unversioned, first);
        assert_ne!(first, second);
        assert_eq!(first.len(), 16);
        assert!(first.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
