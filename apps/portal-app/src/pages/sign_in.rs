//! The sign-in page.

use crate::data;
use crate::kit::fields::sign_in as field;
use crate::kit::routes;
use leptos::prelude::*;

#[component]
pub fn SignIn() -> impl IntoView {
    let form = Resource::new(|| (), |_| data::load_sign_in());
    view! {
        <h1>"Sign in"</h1>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let f = form.await.unwrap_or_default();
                view! {
                    {f.general_message().map(|e| view! { <p id="sign-in-error" class="error" role="alert">{e}</p> })}
                    <form id="sign-in" method="post" action=routes::SIGN_IN.path() class="stack">
                        <label for=field::USERNAME>"Username"</label>
                        <input id=field::USERNAME name=field::USERNAME type="text" autocomplete="username"
                            required value=f.values.username />
                        <label for=field::PASSWORD>"Password"</label>
                        <input id=field::PASSWORD name=field::PASSWORD type="password"
                            autocomplete="current-password" required />
                        <button id="sign-in-submit" type="submit">"Sign in"</button>
                    </form>
                }
            })}
        </Suspense>
    }
}
