//! Descriptions from doc comments: the text before the first heading describes the
//! component, and an `# Arguments` list describes its inputs.

use std::collections::HashMap;

use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// The description of a component and of each argument, by Rust name.
#[derive(Default)]
pub(crate) struct Docs {
    pub(crate) description: Option<String>,
    pub(crate) arguments: HashMap<String, String>,
}

fn doc_lines(attrs: &[Attribute]) -> Vec<String> {
    let mut lines = Vec::new();
    for attr in attrs {
        let Meta::NameValue(meta) = &attr.meta else {
            continue;
        };
        if !meta.path.is_ident("doc") {
            continue;
        }
        if let Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) = &meta.value
        {
            let text = text.value();
            lines.extend(
                text.lines()
                    .map(|line| line.strip_prefix(' ').unwrap_or(line).to_owned()),
            );
        }
    }
    lines
}

/// Reads `* `name` - text` or `- name: text` into a name and its text.
fn parse_argument_item(line: &str) -> Option<(String, String)> {
    let item = line.trim_start().strip_prefix(['*', '-'])?.trim_start();
    let (name, rest) = match item.strip_prefix('`') {
        Some(quoted) => quoted.split_once('`')?,
        None => item.split_once([' ', ':'])?,
    };
    let text = rest.trim_start().trim_start_matches([':', '-']).trim();
    Some((name.trim().to_owned(), text.to_owned()))
}

pub(crate) fn parse(attrs: &[Attribute]) -> Docs {
    let mut docs = Docs::default();
    let mut description = Vec::new();
    let mut section: Option<String> = None;
    let mut current: Option<String> = None;
    for line in doc_lines(attrs) {
        if let Some(heading) = line.trim_start().strip_prefix('#') {
            section = Some(heading.trim_start_matches('#').trim().to_lowercase());
            current = None;
            continue;
        }
        match section.as_deref() {
            None if !line.trim().is_empty() => description.push(line.trim_end().to_owned()),
            Some("arguments") => {
                if let Some((name, text)) = parse_argument_item(&line) {
                    docs.arguments.insert(name.clone(), text);
                    current = Some(name);
                } else if let (Some(name), false) = (&current, line.trim().is_empty()) {
                    let entry = docs.arguments.entry(name.clone()).or_default();
                    entry.push(' ');
                    entry.push_str(line.trim());
                }
            }
            _ => {}
        }
    }
    if !description.is_empty() {
        docs.description = Some(description.join("\n"));
    }
    docs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_and_arguments() {
        let item: syn::ItemFn = syn::parse_quote! {
            /// Drops rows that lack a measurement.
            ///
            /// Rows with `NA` go.
            ///
            /// # Arguments
            /// * `raw` - penguins table
            ///   as CSV
            /// - min_rows: fail when fewer rows remain
            ///
            /// # Errors
            /// * `x` - not an argument
            fn clean() {}
        };
        let docs = parse(&item.attrs);
        assert_eq!(
            docs.description.as_deref(),
            Some("Drops rows that lack a measurement.\nRows with `NA` go.")
        );
        assert_eq!(docs.arguments["raw"], "penguins table as CSV");
        assert_eq!(docs.arguments["min_rows"], "fail when fewer rows remain");
        assert!(!docs.arguments.contains_key("x"));
    }
}
