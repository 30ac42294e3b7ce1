/* The service form: keep the "no owner" warning in step with the form while it is edited (the server decides
 * on load). */
(() => {
  "use strict";
  const lifecycle = document.getElementById("id_lifecycle");
  const owner = document.getElementById("id_owner_team");
  const warning = document.getElementById("owner-warning");
  if (!lifecycle || !owner || !warning) return;
  const update = () => { warning.hidden = !(lifecycle.value === "production" && !owner.value); };
  lifecycle.addEventListener("change", update);
  owner.addEventListener("change", update);
})();
