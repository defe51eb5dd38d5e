//! Options of `#[vertex_component(...)]` and `#[vertex_pipeline(...)]`.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{LitStr, Path};

/// Option keywords, in the order error messages list them.
pub(crate) mod kw {
    pub(crate) const NAME: &str = "name";
    pub(crate) const CRATE: &str = "crate";
    pub(crate) const VERSION: &str = "version";
    pub(crate) const ALL: &[&str] = &[NAME, CRATE, VERSION];
}

/// The options given to the attribute.
#[derive(Default)]
pub(crate) struct Options {
    /// `name = "..."` and the span of its value.
    pub(crate) name: Option<(String, Span)>,
    /// `crate = "path"`, the path of `vertex_runtime`.
    pub(crate) krate: Option<Path>,
    /// `version = "..."`, part of a component's fingerprint, and the span of the option.
    pub(crate) version: Option<(String, Span)>,
}

impl Options {
    pub(crate) fn parse(attr: TokenStream) -> syn::Result<Self> {
        let mut options = Self::default();
        let parser = syn::meta::parser(|meta| options.parse_one(&meta));
        syn::parse::Parser::parse2(parser, attr)?;
        Ok(options)
    }

    fn parse_one(&mut self, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        if meta.path.is_ident(kw::NAME) {
            let value: LitStr = meta.value()?.parse()?;
            if self.name.is_some() {
                return Err(meta.error("the `name` option is given twice"));
            }
            self.name = Some((value.value(), value.span()));
            Ok(())
        } else if meta.path.is_ident(kw::VERSION) {
            let value: LitStr = meta.value()?.parse()?;
            if self.version.is_some() {
                return Err(meta.error("the `version` option is given twice"));
            }
            self.version = Some((value.value(), meta.path.span()));
            Ok(())
        } else if meta.path.is_ident(kw::CRATE) {
            let value: LitStr = meta.value()?.parse()?;
            if self.krate.is_some() {
                return Err(meta.error("the `crate` option is given twice"));
            }
            self.krate = Some(value.parse()?);
            Ok(())
        } else {
            let given = meta
                .path
                .get_ident()
                .map_or_else(|| "?".to_owned(), ToString::to_string);
            let accepted: Vec<String> = kw::ALL.iter().map(|k| format!("`{k}`")).collect();
            Err(meta.error(format!(
                "unknown option `{given}`; accepted options: {}",
                accepted.join(", ")
            )))
        }
    }

    /// Returns the path of the runtime crate, `::vertex_runtime` unless set.
    pub(crate) fn runtime_path(&self) -> Path {
        self.krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::vertex_runtime))
    }
}
