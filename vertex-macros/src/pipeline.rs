//! `#[vertex_pipeline]`: parse, validate and expand a pipeline function whose first
//! argument is the `&Pipeline` and whose other arguments are pipeline inputs.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, Pat, ReturnType, Type};

use crate::docs;
use crate::expand::{name_guard, typed_default};
use crate::names::{check_argument_name, check_component_name, kfp_name};
use crate::options::Options;
use crate::parse::{
    argument_attributes, inner_of, strip_argument_attributes, ArgumentAttributes, Errors,
};
use crate::validate::{check_secret, check_signature, check_type_shape};

struct PipelineArg {
    ident: syn::Ident,
    name: String,
    ty: Type,
    default: Option<syn::Expr>,
    secret: bool,
    description: Option<String>,
}

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let options = Options::parse(attr)?;
    let mut function: ItemFn = syn::parse2(item)?;
    let mut errors = Errors::default();
    if let Some((_, span)) = &options.version {
        errors.push(
            *span,
            "the `version` option is for components, whose fingerprint it changes; a pipeline has none",
        );
    }
    let docs = docs::parse(&function.attrs);
    check_signature(&function.sig, "pipeline", &mut errors);
    if let ReturnType::Type(_, ty) = &function.sig.output {
        if let Type::ImplTrait(_) = &**ty {
            errors.push(
                ty.span(),
                "a pipeline cannot return `impl Trait`; name the type",
            );
        }
    }
    let (name, name_span) = options.name.clone().unwrap_or_else(|| {
        (
            kfp_name(&function.sig.ident.to_string()),
            function.sig.ident.span(),
        )
    });
    if let Err(message) = check_component_name(&name) {
        errors.push(name_span, message);
    }

    let mut inputs = function.sig.inputs.iter();
    if inputs.next().is_none() {
        errors.push(
            function.sig.span(),
            "a pipeline takes `&Pipeline` as its first argument",
        );
    }
    let mut args = Vec::new();
    for input in inputs {
        let FnArg::Typed(typed) = input else {
            errors.push_spanned(input, "a pipeline cannot take `self`");
            continue;
        };
        let ArgumentAttributes {
            default,
            name: rename,
            secret,
        } = argument_attributes(&typed.attrs, &mut errors);
        let Pat::Ident(pat) = &*typed.pat else {
            errors.push(typed.pat.span(), "a pipeline input must be a plain name");
            continue;
        };
        check_type_shape(&typed.ty, &mut errors);
        let rust_name = pat.ident.to_string().trim_start_matches("r#").to_owned();
        let (input_name, input_span) =
            rename.unwrap_or_else(|| (rust_name.clone(), pat.ident.span()));
        if let Err(message) = check_argument_name(&input_name, true) {
            errors.push(input_span, message);
        }
        let is_artifact = ["ArtifactRef", "ArtifactListRef"]
            .iter()
            .any(|name| inner_of(&typed.ty, name).is_some());
        if let (Some((attr, _)), Some(_)) = (&default, inner_of(&typed.ty, "ArtifactRef")) {
            errors.push_spanned(attr, "an artifact cannot have a default");
        }
        if let Some(secret) = &secret {
            check_secret(secret, !is_artifact, default.is_some(), &mut errors);
        }
        args.push(PipelineArg {
            ident: pat.ident.clone(),
            name: input_name,
            ty: (*typed.ty).clone(),
            default: default.map(|(_, expr)| expr),
            secret: secret.is_some(),
            description: docs.arguments.get(&rust_name).cloned(),
        });
    }
    errors.finish()?;
    strip_argument_attributes(&mut function);

    let krate = options.runtime_path();
    let ident = &function.sig.ident;
    let declarations = args.iter().map(|arg| {
        let PipelineArg { ident, name, ty, .. } = arg;
        let description = match &arg.description {
            Some(text) => quote!(::core::option::Option::Some(#text)),
            None => quote!(::core::option::Option::None),
        };
        let default = match &arg.default {
            Some(expr) => {
                let value_type: Type = syn::parse_quote_spanned!(ty.span()=> <#ty as #krate::__private::PipelineInput>::Value);
                let value = typed_default(&krate, expr, &value_type);
                quote!(::core::option::Option::Some(#krate::__private::Parameter::encode(&#value)))
            }
            None => quote!(::core::option::Option::None),
        };
        let mark_secret = arg.secret.then(|| quote!(__pipeline.mark_secret(#name);));
        quote_spanned! {ty.span()=>
            let #ident: #ty = __pipeline.input::<#ty>(#name, #default, #description);
            #mark_secret
        }
    });
    let arg_idents = args.iter().map(|arg| &arg.ident);
    let description = match &docs.description {
        Some(text) => quote!(::core::option::Option::Some(#text)),
        None => quote!(::core::option::Option::None),
    };
    let guard = name_guard(&name, name_span);
    let entry = format_ident!("__VERTEX_PIPELINE_{}", ident.to_string().to_uppercase());
    let rust_path = format!("::{ident}");
    let returned = match &function.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => quote!(#ty),
    };
    let vis = &function.vis;
    let fields = args.iter().map(|arg| {
        let PipelineArg {
            ident, name, ty, ..
        } = arg;
        let doc = format!("Input `{name}`.");
        if arg.default.is_some() {
            quote!(#[doc = #doc] pub #ident: ::core::option::Option<#ty>)
        } else {
            quote!(#[doc = #doc] pub #ident: #ty)
        }
    });
    let bindings = args.iter().map(|arg| {
        let PipelineArg { ident, name, .. } = arg;
        quote!((#name, #krate::__private::Bind::binding(self.#ident)))
    });
    let struct_doc = format!("Inputs of a task running the pipeline `{name}` inside another.");

    Ok(quote! {
        #function

        #[doc = #struct_doc]
        #[allow(non_camel_case_types)]
        #vis struct #ident {
            #(#fields,)*
        }

        #guard

        const _: () = {
            fn __build() -> #krate::__private::Pipeline {
                let __pipeline = #krate::__private::Pipeline::new(#name, #description);
                #(#declarations)*
                let __returned: #returned = #ident(&__pipeline, #(#arg_idents),*);
                #krate::__private::PipelineReturn::declare(&__returned, &__pipeline);
                __pipeline
            }

            impl #krate::__private::ComponentTask for #ident {
                type Outputs = <#returned as #krate::__private::PipelineReturn>::Refs;

                fn implementation() -> #krate::__private::Implementation {
                    let graph = __build().into_graph();
                    #krate::__private::Implementation::Pipeline(#krate::__private::Rc::new(graph))
                }

                fn bindings(self) -> #krate::__private::Vec<(&'static str, ::core::option::Option<#krate::__private::Binding>)> {
                    #krate::__private::vec![#(#bindings),*]
                }

                fn outputs(task: &#krate::__private::TaskId) -> Self::Outputs {
                    <#returned as #krate::__private::PipelineReturn>::refs(task)
                }
            }

            #[#krate::__private::linkme::distributed_slice(#krate::__private::PIPELINES)]
            #[linkme(crate = #krate::__private::linkme)]
            #[allow(non_upper_case_globals)]
            static #entry: #krate::__private::PipelineEntry = #krate::__private::PipelineEntry {
                name: #name,
                rust_path: #krate::__private::concat!(#krate::__private::module_path!(), #rust_path),
                build: __build,
            };
        };
    })
}
