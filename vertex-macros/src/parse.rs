//! Parse phase: reads a component function into a model that keeps the span of every part.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{
    Attribute, Expr, FnArg, GenericArgument, Ident, ItemFn, Lit, Meta, Pat, PathArguments, Type,
};

use crate::docs;
use crate::names::kfp_name;
use crate::options::Options;

/// Collects errors so that one compile reports all of them.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push_error(syn::Error::new(span, message));
    }

    /// Adds an error that covers all of `tokens`, such as a whole attribute. On stable Rust,
    /// `Spanned::span` of several tokens is the span of the first one only.
    pub(crate) fn push_spanned(
        &mut self,
        tokens: impl quote::ToTokens,
        message: impl std::fmt::Display,
    ) {
        self.push_error(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn push_error(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

/// The role of an argument, read from the syntax of its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArgKind {
    /// A parameter, or `Option` of one.
    Parameter,
    /// `Input<A>`, `Option<Input<A>>` or `Vec<Input<A>>`.
    InputArtifact,
    /// `Output<A>`.
    OutputArtifact,
}

/// One argument of the function.
pub(crate) struct Arg {
    pub(crate) ident: Ident,
    /// The KFP name and the span to blame for it.
    pub(crate) name: String,
    pub(crate) name_span: Span,
    pub(crate) ty: Type,
    pub(crate) kind: ArgKind,
    /// `#[default(expr)]`: the attribute, which errors point at, and the expression.
    pub(crate) default: Option<(Attribute, Expr)>,
    /// `#[secret]`, which errors point at.
    pub(crate) secret: Option<Attribute>,
    pub(crate) description: Option<String>,
}

/// A parsed component function.
pub(crate) struct Component {
    pub(crate) function: ItemFn,
    pub(crate) name: String,
    pub(crate) name_span: Span,
    pub(crate) description: Option<String>,
    pub(crate) args: Vec<Arg>,
    pub(crate) options: Options,
}

/// Returns the last path segment's name and generic arguments of a type such as
/// `vertex_runtime::Input<Dataset>`.
pub(crate) fn last_segment(ty: &Type) -> Option<(&Ident, Vec<&Type>)> {
    let Type::Path(path) = ty else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let segment = path.path.segments.last()?;
    let arguments = match &segment.arguments {
        PathArguments::AngleBracketed(generics) => generics
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    Some((&segment.ident, arguments))
}

/// Returns `T` when `ty` is `Wrapper<T>`.
pub(crate) fn inner_of<'t>(ty: &'t Type, wrapper: &str) -> Option<&'t Type> {
    match last_segment(ty)? {
        (ident, arguments) if ident == wrapper && arguments.len() == 1 => Some(arguments[0]),
        _ => None,
    }
}

fn classify(ty: &Type) -> ArgKind {
    if inner_of(ty, "Output").is_some() {
        return ArgKind::OutputArtifact;
    }
    let is_input = |ty: &Type| inner_of(ty, "Input").is_some();
    let wrapped = inner_of(ty, "Option").or_else(|| inner_of(ty, "Vec"));
    if is_input(ty) || wrapped.is_some_and(is_input) {
        ArgKind::InputArtifact
    } else {
        ArgKind::Parameter
    }
}

fn is_attribute(attr: &Attribute, name: &str) -> bool {
    attr.path().is_ident(name)
}

/// Removes `#[default(...)]`, `#[name = "..."]` and `#[secret]` from the arguments; the
/// compiler would reject them once the macro is done.
pub(crate) fn strip_argument_attributes(function: &mut ItemFn) {
    for input in &mut function.sig.inputs {
        if let FnArg::Typed(typed) = input {
            typed.attrs.retain(|attr| {
                !["default", "name", "secret"]
                    .iter()
                    .any(|name| is_attribute(attr, name))
            });
        }
    }
}

/// The attributes this crate reads on an argument.
#[derive(Default)]
pub(crate) struct ArgumentAttributes {
    /// `#[default(expr)]`: the attribute and the expression.
    pub(crate) default: Option<(Attribute, Expr)>,
    /// `#[name = "..."]`: the name and the span of its literal.
    pub(crate) name: Option<(String, Span)>,
    /// `#[secret]`: the input's value is never shown in errors.
    pub(crate) secret: Option<Attribute>,
}

/// Reads `#[default(expr)]`, `#[name = "..."]` and `#[secret]` from one argument.
pub(crate) fn argument_attributes(attrs: &[Attribute], errors: &mut Errors) -> ArgumentAttributes {
    let mut default = None;
    let mut name = None;
    let mut secret = None;
    for attr in attrs {
        if is_attribute(attr, "secret") {
            match &attr.meta {
                Meta::Path(_) if secret.is_some() => {
                    errors.push_spanned(attr, "`#[secret]` is given twice")
                }
                Meta::Path(_) => secret = Some(attr.clone()),
                _ => errors.push_spanned(attr, "expected `#[secret]`, without arguments"),
            }
            continue;
        }
        if is_attribute(attr, "default") {
            match attr.parse_args::<Expr>() {
                Ok(_) if default.is_some() => {
                    errors.push_spanned(attr, "`#[default]` is given twice")
                }
                Ok(expr) => default = Some((attr.clone(), expr)),
                Err(error) => errors.push_error(error),
            }
        } else if is_attribute(attr, "name") {
            let literal = match &attr.meta {
                Meta::NameValue(meta) => match &meta.value {
                    Expr::Lit(lit) => match &lit.lit {
                        Lit::Str(text) => Some(text),
                        _ => None,
                    },
                    _ => None,
                },
                _ => None,
            };
            match literal {
                Some(_) if name.is_some() => errors.push_spanned(attr, "`#[name]` is given twice"),
                Some(text) => name = Some((text.value(), text.span())),
                None => errors.push_spanned(attr, "expected `#[name = \"...\"]`"),
            }
        }
    }
    ArgumentAttributes {
        default,
        name,
        secret,
    }
}

fn parse_arg(input: &FnArg, docs: &docs::Docs, errors: &mut Errors) -> Option<Arg> {
    let typed = match input {
        FnArg::Receiver(receiver) => {
            errors.push_spanned(
                receiver,
                "a component cannot take `self`; make it a free function",
            );
            return None;
        }
        FnArg::Typed(typed) => typed,
    };
    let ArgumentAttributes {
        default,
        name: rename,
        secret,
    } = argument_attributes(&typed.attrs, errors);
    let ident = match &*typed.pat {
        Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => pat.ident.clone(),
        other => {
            errors.push(
                other.span(),
                "a component argument must be a plain name, such as `rows: i64`, because it becomes a KFP input name",
            );
            return None;
        }
    };
    let rust_name = ident.to_string().trim_start_matches("r#").to_owned();
    let (name, name_span) = rename.unwrap_or_else(|| (rust_name.clone(), ident.span()));
    Some(Arg {
        description: docs.arguments.get(&rust_name).cloned(),
        kind: classify(&typed.ty),
        ty: (*typed.ty).clone(),
        ident,
        name,
        name_span,
        default,
        secret,
    })
}

/// Parses the function; errors in single arguments are collected in `errors`.
pub(crate) fn component(options: Options, function: ItemFn, errors: &mut Errors) -> Component {
    let docs = docs::parse(&function.attrs);
    let args = function
        .sig
        .inputs
        .iter()
        .filter_map(|input| parse_arg(input, &docs, errors))
        .collect();
    let (name, name_span) = options.name.clone().unwrap_or_else(|| {
        (
            kfp_name(&function.sig.ident.to_string()),
            function.sig.ident.span(),
        )
    });
    let mut function = function;
    strip_argument_attributes(&mut function);
    Component {
        function,
        name,
        name_span,
        description: docs.description,
        args,
        options,
    }
}
