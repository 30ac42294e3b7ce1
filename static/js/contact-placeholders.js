/* Notification settings: the address field's placeholder follows the chosen kind of contact method. The
 * placeholders come from <script type="application/json" id="contact-placeholders">. */
(() => {
  "use strict";
  const data = document.getElementById("contact-placeholders");
  const kind = document.getElementById("id_kind");
  const address = document.getElementById("id_address");
  if (!data || !kind || !address) return;
  const placeholders = JSON.parse(data.textContent);
  const update = () => { address.placeholder = placeholders[kind.value] || ""; };
  kind.addEventListener("change", update);
  update();
})();
