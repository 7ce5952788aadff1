import { render } from "preact";
import { registerServiceWorker } from "./sw_register";
import { App } from "./views/App";
import "./styles/index.css";

const root = document.getElementById("app");
if (root) render(<App />, root);
registerServiceWorker();
