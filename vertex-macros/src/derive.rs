//! `#[derive(Outputs)]` and `#[derive(Parameter)]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields};

use crate::names::check_argument_name;

fn runtime_path() -> syn::Path {
    syn::parse_quote!(::vertex_runtime)
}

fn reject_generics(input: &DeriveInput, what: &str) -> syn::Result<()> {
    if input.generics.params.is_empty() {
        Ok(())
    } else {
        Err(syn::Error::new(
            input.generics.params.span(),
            format!("`#[derive({what})]` does not support generic structs"),
        ))
    }
}

/// Implements `ComponentReturn` for a struct with named fields: one output parameter per
/// field, named like the field.
pub(crate) fn outputs(item: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(item)?;
    reject_generics(&input, "Outputs")?;
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => &fields.named,
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "`#[derive(Outputs)]` needs named fields: each becomes an output parameter of that name",
                ))
            }
        },
        _ => {
            return Err(syn::Error::new(
                input.ident.span(),
                "`#[derive(Outputs)]` applies to structs with named fields",
            ))
        }
    };
    let krate = runtime_path();
    let ident = &input.ident;
    let mut names = Vec::new();
    for field in fields {
        let field_ident = field.ident.as_ref().expect("named fields have names");
        let name = field_ident.to_string().trim_start_matches("r#").to_owned();
        check_argument_name(&name, false)
            .map_err(|message| syn::Error::new(field_ident.span(), message))?;
        names.push(name);
    }
    let idents: Vec<_> = fields.iter().map(|field| &field.ident).collect();
    let types: Vec<_> = fields.iter().map(|field| &field.ty).collect();
    let definitions = types.iter().zip(&names).map(|(ty, name)| {
        quote_spanned! {ty.span()=>
            #krate::__private::OutputDef::parameter(#name, <#ty as #krate::__private::Parameter>::TYPE)
        }
    });
    let docs = names
        .iter()
        .map(|name| format!("Output parameter `{name}`."));
    Ok(quote! {
        const _: () = {
            #[allow(non_snake_case)]
            pub struct __Refs {
                #(#[doc = #docs] pub #idents: #krate::ParamRef<#types>,)*
            }

            impl #krate::__private::ComponentReturn for #ident {
                type Refs = __Refs;

                fn output_defs() -> #krate::__private::Vec<#krate::__private::OutputDef> {
                    #krate::__private::vec![#(#definitions),*]
                }

                fn into_values(
                    self,
                ) -> ::core::result::Result<#krate::__private::OutputValues, #krate::__private::String> {
                    ::core::result::Result::Ok(#krate::__private::vec![
                        #((#names, #krate::__private::Parameter::encode(&self.#idents))),*
                    ])
                }

                fn refs(task: &#krate::__private::TaskId) -> __Refs {
                    __Refs {
                        #(#idents: #krate::__private::ParamRef::task_output(task, #names),)*
                    }
                }
            }
        };
    })
}

/// Implements `Parameter` as a `STRUCT` for a type with serde's `Serialize` and
/// `Deserialize`.
pub(crate) fn parameter(item: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(item)?;
    reject_generics(&input, "Parameter")?;
    let krate = runtime_path();
    let ident = &input.ident;
    let named: Vec<&syn::Field> = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => fields.named.iter().collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let field_idents: Vec<_> = named.iter().map(|field| &field.ident).collect();
    let field_types: Vec<_> = named.iter().map(|field| &field.ty).collect();
    let field_names: Vec<String> = field_idents
        .iter()
        .map(|ident| {
            ident
                .as_ref()
                .map(|i| i.to_string().trim_start_matches("r#").to_owned())
                .unwrap_or_default()
        })
        .collect();
    let vis = &input.vis;
    Ok(quote! {
        const _: () = {
            /// References to the fields of a struct parameter, such as a loop item.
            #[allow(non_snake_case)]
            #vis struct __Fields {
                #(pub #field_idents: #krate::ParamRef<#field_types>,)*
            }

            impl #krate::__private::StructFields for #ident {
                type Fields = __Fields;

                fn fields(source: &#krate::__private::ParamSource) -> __Fields {
                    __Fields {
                        #(#field_idents: #krate::__private::field_ref(source, #field_names),)*
                    }
                }
            }
        };

        impl #krate::__private::Parameter for #ident {
            const TYPE: #krate::__private::ParameterType = #krate::__private::ParameterType::Struct;

            fn decode(
                value: &#krate::__private::Value,
            ) -> ::core::result::Result<Self, #krate::__private::ValueError> {
                #krate::__private::decode_struct(value)
            }

            fn encode(
                &self,
            ) -> ::core::result::Result<#krate::__private::Value, #krate::__private::ValueError> {
                #krate::__private::encode_struct(self)
            }
        }
    })
}
