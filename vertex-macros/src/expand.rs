//! Expand phase for `#[vertex_component]`: the function itself, a struct of the same name
//! holding a pipeline task's inputs, and a hidden registration with the code that runs the
//! function on an executor input.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Expr, Ident, ItemFn, ReturnType, Type};

use crate::fingerprint;
use crate::options::Options;
use crate::parse::{self, inner_of, Arg, ArgKind, Component, Errors};
use crate::validate;

pub(crate) fn component(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let options = Options::parse(attr)?;
    let function: ItemFn = syn::parse2(item)?;
    let version = options
        .version
        .as_ref()
        .map(|(version, _)| version.as_str());
    let fingerprint = fingerprint::fingerprint(&function, version);
    let mut errors = Errors::default();
    let component = parse::component(options, function, &mut errors);
    validate::component(&component, &mut errors);
    errors.finish()?;
    Ok(expand(&component, &fingerprint))
}

/// Returns `tokens`, such as the runtime's path, with every token at `span`. A call through
/// a path spanned so is reported, with its "required by this call" label, at `span` rather
/// than at the attribute.
fn respan(tokens: impl ToTokens, span: Span) -> TokenStream {
    tokens
        .into_token_stream()
        .into_iter()
        .map(|mut token| {
            token.set_span(span);
            token
        })
        .collect()
}

/// Returns `T` for `Option<T>` and `ty` itself otherwise: the type a default must have.
fn default_type(ty: &Type) -> &Type {
    inner_of(ty, "Option").unwrap_or(ty)
}

/// Types a default expression through the runtime's `DefaultValue`, which also turns a
/// `&str` into a `String`. A default of another type fails to compile at the expression.
pub(crate) fn typed_default(krate: &syn::Path, expr: &Expr, ty: &Type) -> TokenStream {
    let krate = respan(krate, expr.span());
    quote_spanned! {expr.span()=>
        {
            let __default: #ty = #krate::__private::DefaultValue::<#ty>::into_default(#expr);
            __default
        }
    }
}

fn return_type(function: &ItemFn) -> TokenStream {
    match &function.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => quote!(#ty),
    }
}

/// Returns the span of the return type. Generated code that needs `ComponentReturn` carries
/// it, so an unsupported return type is reported there rather than at the attribute.
fn return_span(function: &ItemFn) -> Span {
    match &function.sig.output {
        ReturnType::Default => Span::call_site(),
        ReturnType::Type(_, ty) => ty.span(),
    }
}

/// Returns `<R as ComponentReturn>` for the return type `R`, at the span of `R`.
fn return_trait(function: &ItemFn, krate: &syn::Path) -> TokenStream {
    let returned = return_type(function);
    let span = return_span(function);
    let krate = respan(krate, span);
    quote_spanned!(span=> <#returned as #krate::__private::ComponentReturn>)
}

fn optional_str(text: Option<&String>) -> TokenStream {
    match text {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::<&'static str>::None),
    }
}

/// Emits the item that makes two components with one name in one module a compile error.
pub(crate) fn name_guard(name: &str, span: Span) -> TokenStream {
    let guard = Ident::new(
        &format!("__vertex_name_taken_{}", name.replace('-', "_")),
        span,
    );
    quote_spanned! {span=>
        #[allow(non_camel_case_types, dead_code)]
        struct #guard;
    }
}

fn input_definition(krate: &syn::Path, arg: &Arg) -> TokenStream {
    let ty = &arg.ty;
    let name = &arg.name;
    let description = optional_str(arg.description.as_ref());
    let default = match &arg.default {
        Some((_, expr)) => {
            let value = typed_default(krate, expr, default_type(ty));
            quote!(::core::option::Option::Some(#krate::__private::Parameter::encode(&#value)))
        }
        None => quote!(::core::option::Option::None),
    };
    quote_spanned! {ty.span()=>
        #krate::__private::input_def::<#ty>(#name, #default, #description)
    }
}

/// Decodes one argument inside the generated run function.
fn decode_argument(krate: &syn::Path, arg: &Arg) -> TokenStream {
    let ident = &arg.ident;
    let ty = &arg.ty;
    let name = &arg.name;
    match (&arg.kind, &arg.default) {
        (ArgKind::OutputArtifact, _) => {
            let artifact = inner_of(ty, "Output").unwrap_or(ty);
            quote_spanned! {artifact.span()=>
                let #ident: #ty = __invocation.output::<#artifact>(#name)?;
            }
        }
        (_, Some((_, expr))) => {
            let value = typed_default(krate, expr, default_type(ty));
            let value = match inner_of(ty, "Option") {
                Some(_) => quote!(::core::option::Option::Some(#value)),
                None => value,
            };
            quote_spanned! {ty.span()=>
                let #ident: #ty = __invocation.input_or::<#ty>(#name, || #value)?;
            }
        }
        (_, None) => quote_spanned! {ty.span()=>
            let #ident: #ty = __invocation.input::<#ty>(#name)?;
        },
    }
}

/// Emits the struct a pipeline fills to create a task, with one field per input.
fn task_struct(component: &Component, krate: &syn::Path) -> TokenStream {
    let function = &component.function.sig.ident;
    let vis = &component.function.vis;
    let fields = component
        .args
        .iter()
        .filter(|arg| arg.kind != ArgKind::OutputArtifact)
        .map(|arg| {
            let ident = &arg.ident;
            let ty = &arg.ty;
            let channel = quote_spanned!(ty.span()=> <#ty as #krate::__private::InputArg>::Channel);
            let doc = format!("Input `{}`.", arg.name);
            if arg.default.is_some() {
                quote!(#[doc = #doc] pub #ident: ::core::option::Option<#channel>)
            } else {
                quote!(#[doc = #doc] pub #ident: #channel)
            }
        });
    let doc = format!(
        "Inputs of a task of the component `{}`, for `Pipeline::task`.",
        component.name
    );
    quote! {
        #[doc = #doc]
        #[allow(non_camel_case_types)]
        #vis struct #function {
            #(#fields,)*
        }
    }
}

/// Emits the outputs of a task: output artifacts as fields, returned parameters through
/// `Deref`.
fn outputs_struct(
    component: &Component,
    krate: &syn::Path,
    return_trait: &TokenStream,
) -> TokenStream {
    let return_span = return_span(&component.function);
    let artifacts: Vec<&Arg> = component
        .args
        .iter()
        .filter(|arg| arg.kind == ArgKind::OutputArtifact)
        .collect();
    let fields = artifacts.iter().map(|arg| {
        let ident = &arg.ident;
        let artifact = inner_of(&arg.ty, "Output").unwrap_or(&arg.ty);
        quote!(pub #ident: #krate::ArtifactRef<#artifact>)
    });
    let values = artifacts.iter().map(|arg| {
        let ident = &arg.ident;
        let name = &arg.name;
        let artifact = inner_of(&arg.ty, "Output").unwrap_or(&arg.ty);
        let krate = respan(krate, artifact.span());
        quote_spanned!(artifact.span()=> #ident: #krate::ArtifactRef::task_output(task, #name))
    });
    // The struct shares the function's visibility, so that a private return type may
    // appear in its `Deref` target.
    let vis = &component.function.vis;
    // Spanned at the return type, which is what makes these items fail to compile when it
    // is not a `ComponentReturn`.
    quote_spanned! {return_span=>
        #[allow(non_camel_case_types, non_snake_case)]
        #vis struct __Outputs {
            #(#fields,)*
            __returned: #return_trait::Refs,
        }

        impl #krate::__private::Deref for __Outputs {
            type Target = #return_trait::Refs;

            fn deref(&self) -> &Self::Target {
                &self.__returned
            }
        }

        impl __Outputs {
            // Reached only through `ComponentTask`, unused when no pipeline runs the component.
            #[allow(dead_code)]
            fn new(task: &#krate::__private::TaskId) -> Self {
                Self {
                    #(#values,)*
                    __returned: #return_trait::refs(task),
                }
            }
        }
    }
}

fn expand(component: &Component, fingerprint: &str) -> TokenStream {
    let krate = component.options.runtime_path();
    let function = &component.function;
    let ident = &function.sig.ident;
    let name = &component.name;
    let returned = return_type(function);
    let return_trait = return_trait(function, &krate);
    let description = optional_str(component.description.as_ref());

    let inputs = component
        .args
        .iter()
        .filter(|arg| arg.kind != ArgKind::OutputArtifact)
        .map(|arg| input_definition(&krate, arg));
    let outputs = component
        .args
        .iter()
        .filter(|arg| arg.kind == ArgKind::OutputArtifact)
        .map(|arg| {
            let name = &arg.name;
            let artifact = inner_of(&arg.ty, "Output").unwrap_or(&arg.ty);
            quote_spanned!(artifact.span()=> #krate::__private::output_def::<#artifact>(#name))
        });
    let decode = component
        .args
        .iter()
        .map(|arg| decode_argument(&krate, arg));
    let secret_names: Vec<&String> = component
        .args
        .iter()
        .filter(|arg| arg.secret.is_some())
        .map(|arg| &arg.name)
        .collect();
    let mark_secrets = (!secret_names.is_empty())
        .then(|| quote!(__invocation.set_secret_inputs(&[#(#secret_names),*]);));
    let call_args = component.args.iter().map(|arg| &arg.ident);
    let bindings = component
        .args
        .iter()
        .filter(|arg| arg.kind != ArgKind::OutputArtifact)
        .map(|arg| {
            let field = &arg.ident;
            let name = &arg.name;
            quote!((#name, #krate::__private::Bind::binding(self.#field)))
        });
    let task_struct = task_struct(component, &krate);
    let outputs_struct = outputs_struct(component, &krate, &return_trait);
    let guard = name_guard(name, component.name_span);
    let entry = format_ident!(
        "__VERTEX_COMPONENT_{}",
        ident.to_string().trim_start_matches("r#").to_uppercase()
    );
    let rust_path = format!("::{ident}");
    // What fails to compile when the return type is not a `ComponentReturn` carries its span.
    let return_span = return_span(function);
    let finish = quote_spanned!(return_span=> __invocation.finish(__returned));
    let outputs_type = quote_spanned!(return_span=> __Outputs);
    let krate_at_return = respan(&krate, return_span);
    let outputs_fn = quote_spanned! {return_span=>
        fn outputs(task: &#krate_at_return::__private::TaskId) -> __Outputs {
            __Outputs::new(task)
        }
    };

    quote! {
        #function

        #task_struct

        #guard

        const _: () = {
            #outputs_struct

            fn __interface() -> #krate::__private::ComponentInterface {
                let mut outputs = #krate::__private::vec![#(#outputs),*];
                outputs.extend(#return_trait::output_defs());
                #krate::__private::ComponentInterface {
                    name: #krate::__private::String::from(#name),
                    description: #description.map(#krate::__private::String::from),
                    inputs: #krate::__private::vec![#(#inputs),*],
                    outputs,
                }
            }

            fn __run(
                __invocation: &mut #krate::__private::Invocation,
            ) -> ::core::result::Result<#krate::__private::ExecutorOutput, #krate::__private::Error> {
                #mark_secrets
                #(#decode)*
                let __returned: #returned = #ident(#(#call_args),*);
                #finish
            }

            #[#krate::__private::linkme::distributed_slice(#krate::__private::COMPONENTS)]
            #[linkme(crate = #krate::__private::linkme)]
            #[allow(non_upper_case_globals)]
            static #entry: #krate::__private::ComponentEntry = #krate::__private::ComponentEntry {
                name: #name,
                rust_path: #krate::__private::concat!(#krate::__private::module_path!(), #rust_path),
                interface: __interface,
                run: __run,
                fingerprint: #fingerprint,
            };

            impl #krate::__private::ComponentTask for #ident {
                type Outputs = #outputs_type;

                fn implementation() -> #krate::__private::Implementation {
                    #krate::__private::Implementation::Container(&#entry)
                }

                fn bindings(self) -> #krate::__private::Vec<(&'static str, ::core::option::Option<#krate::__private::Binding>)> {
                    #krate::__private::vec![#(#bindings),*]
                }

                #outputs_fn
            }
        };
    }
}
