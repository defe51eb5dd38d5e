//! Validate phase: the rules a component signature must follow, each reported at the token
//! at fault.

use std::collections::HashMap;

use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{ReturnType, Signature, Type};

use crate::names::{check_argument_name, check_component_name};
use crate::parse::{ArgKind, Component, Errors};

/// Checks the parts of a signature that no component or pipeline may have.
pub(crate) fn check_signature(signature: &Signature, what: &str, errors: &mut Errors) {
    if let Some(asyncness) = &signature.asyncness {
        errors.push(
            asyncness.span(),
            format!("a {what} cannot be `async`; KFP runs one blocking call per task, so start a runtime inside the function if you need one"),
        );
    }
    if let Some(unsafety) = &signature.unsafety {
        errors.push(unsafety.span(), format!("a {what} cannot be `unsafe`"));
    }
    if let Some(constness) = &signature.constness {
        errors.push(constness.span(), format!("a {what} cannot be `const`"));
    }
    if !signature.generics.params.is_empty() {
        errors.push_spanned(
            &signature.generics,
            format!("a {what} cannot be generic: its inputs must have concrete types to appear in the KFP spec"),
        );
    }
    if let Some(where_clause) = &signature.generics.where_clause {
        errors.push_spanned(
            where_clause,
            format!("a {what} cannot have a `where` clause"),
        );
    }
    if let Some(variadic) = &signature.variadic {
        errors.push(variadic.span(), format!("a {what} cannot be variadic"));
    }
}

/// Finds references, lifetimes and `impl Trait` inside a type.
struct BorrowFinder<'e> {
    errors: &'e mut Errors,
}

impl<'ast> Visit<'ast> for BorrowFinder<'_> {
    fn visit_type_reference(&mut self, reference: &'ast syn::TypeReference) {
        self.errors.push_spanned(
            reference,
            "a component input cannot be a reference; take an owned type such as `String` or `Vec<T>`",
        );
    }

    fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
        self.errors.push(
            lifetime.span(),
            "a component input cannot have a lifetime; take an owned type",
        );
    }
}

/// Rejects argument types that no KFP input can have, whatever traits are in scope.
pub(crate) fn check_type_shape(ty: &Type, errors: &mut Errors) {
    let unsupported = match ty {
        Type::Reference(_) | Type::Path(_) | Type::Paren(_) | Type::Group(_) => None,
        Type::Tuple(tuple) if tuple.elems.is_empty() => Some("`()`"),
        Type::Tuple(_) => Some("a tuple"),
        Type::Array(_) => Some("an array"),
        Type::Slice(_) => Some("a slice"),
        Type::Ptr(_) => Some("a raw pointer"),
        Type::BareFn(_) => Some("a function pointer"),
        Type::ImplTrait(_) => Some("`impl Trait`"),
        Type::TraitObject(_) => Some("a trait object"),
        Type::Never(_) => Some("`!`"),
        _ => Some("this type"),
    };
    if let Some(what) = unsupported {
        errors.push(
            ty.span(),
            format!("unsupported parameter type: {what} cannot be a KFP input; use a `Vec<T>` for a list or a struct deriving `Parameter` for a record"),
        );
        return;
    }
    BorrowFinder { errors }.visit_type(ty);
}

/// Checks a component model.
pub(crate) fn component(component: &Component, errors: &mut Errors) {
    check_signature(&component.function.sig, "component", errors);
    if let Err(message) = check_component_name(&component.name) {
        let hint = if component.options.name.is_none() {
            "; set one with `#[vertex_component(name = \"...\")]`"
        } else {
            ""
        };
        errors.push(component.name_span, format!("{message}{hint}"));
    }
    if let ReturnType::Type(_, ty) = &component.function.sig.output {
        if let Type::ImplTrait(_) = &**ty {
            errors.push(
                ty.span(),
                "a component cannot return `impl Trait`; name the type",
            );
        }
    }
    let mut seen: HashMap<&str, proc_macro2::Span> = HashMap::new();
    for arg in &component.args {
        check_type_shape(&arg.ty, errors);
        let is_input = arg.kind != ArgKind::OutputArtifact;
        if let Err(message) = check_argument_name(&arg.name, is_input) {
            errors.push(arg.name_span, message);
        }
        if seen.insert(&arg.name, arg.name_span).is_some() {
            errors.push(
                arg.name_span,
                format!("two inputs or outputs are named `{}`; KFP names must be unique within a component", arg.name),
            );
        }
        if let Some(secret) = &arg.secret {
            check_secret(
                secret,
                arg.kind == ArgKind::Parameter,
                arg.default.is_some(),
                errors,
            );
        }
        if let Some((attr, _)) = &arg.default {
            match arg.kind {
                ArgKind::Parameter => {}
                ArgKind::OutputArtifact => errors.push_spanned(attr, "an output cannot have a default"),
                ArgKind::InputArtifact => errors.push_spanned(
                    attr,
                    "an artifact cannot have a default; use `Option<Input<A>>` for an optional artifact",
                ),
            }
        }
    }
}

/// Checks `#[secret]` on a component or pipeline input: only a parameter's value can be
/// quoted in an error, and a default would be written into the spec in clear text.
pub(crate) fn check_secret(
    secret: &syn::Attribute,
    is_parameter: bool,
    has_default: bool,
    errors: &mut Errors,
) {
    if !is_parameter {
        errors.push_spanned(
            secret,
            "`#[secret]` applies to parameters; artifact contents never appear in errors",
        );
    } else if has_default {
        errors.push_spanned(
            secret,
            "a secret input cannot have a default: the default is written into the spec in clear text",
        );
    }
}
