//! Procedural macros of `vertex-runtime`. Use them through that crate, which documents
//! them: `#[vertex_component]`, `#[vertex_pipeline]`, `#[derive(Outputs)]` and
//! `#[derive(Parameter)]`.
//!
//! Each attribute runs three phases over `proc_macro2` tokens: `parse` reads the function
//! into a model, `validate` checks the rules that need the whole model, and `expand` writes
//! the generated items. On an error the user's function is still emitted, so one mistake
//! does not bury its message under errors from callers.

mod derive;
mod docs;
mod expand;
mod fingerprint;
mod names;
mod options;
mod parse;
mod pipeline;
mod validate;

use proc_macro::TokenStream;
use quote::ToTokens;

/// Marks a function as a KFP component. Documented on `vertex_runtime::vertex_component`.
#[proc_macro_attribute]
pub fn vertex_component(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    expand::component(attr.into(), item.clone())
        .unwrap_or_else(|error| with_original(error, item))
        .into()
}

/// Marks a function as a KFP pipeline. Documented on `vertex_runtime::vertex_pipeline`.
#[proc_macro_attribute]
pub fn vertex_pipeline(attr: TokenStream, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    pipeline::expand(attr.into(), item.clone())
        .unwrap_or_else(|error| with_original(error, item))
        .into()
}

/// Makes a struct the output parameters of a component. Documented on
/// `vertex_runtime::Outputs`.
#[proc_macro_derive(Outputs)]
pub fn derive_outputs(item: TokenStream) -> TokenStream {
    derive::outputs(item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Makes a serde struct a `STRUCT` parameter. Documented on `vertex_runtime::Parameter`.
#[proc_macro_derive(Parameter)]
pub fn derive_parameter(item: TokenStream) -> TokenStream {
    derive::parameter(item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Emits the errors next to the user's function, with argument attributes of this crate
/// removed so that the compiler does not add errors about them.
fn with_original(error: syn::Error, item: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let mut output = error.into_compile_error();
    match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(mut function) => {
            parse::strip_argument_attributes(&mut function);
            function.to_tokens(&mut output);
        }
        Err(_) => output.extend(item),
    }
    output
}
