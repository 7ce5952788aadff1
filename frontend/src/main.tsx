import { render } from "preact";
import { App } from "./views/App";
import "./styles/index.css";

const root = document.getElementById("app");
if (root) render(<App />, root);
