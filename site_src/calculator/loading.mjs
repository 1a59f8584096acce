// The calculator's loading stages in words and a progress bar (issue 12, item 9): the form can be filled in
// meanwhile. The worker posts {type: "progress", stage} with download | start | package (older workers: runtime,
// which is the download and the start together), then {type: "ready", boot: "normal" | "snapshot"}.
import { el } from "./form.mjs";

const STEPS = [
  ["download", "下载计算组件", "首次约 10 MB，之后可离线使用"],
  ["start", "启动计算组件", ""],
  ["package", "载入各地通知的计算规则", ""],
];
const ALIASES = { runtime: "download" };

export function loadingView() {
  // The words go to the page's status line (a live region); the bar and the list show how far it has got.
  const bar = el("progress", { max: String(STEPS.length + 1), value: "0", "aria-label": "计算器加载进度" });
  const list = el("ol", { class: "calc-stages" },
    ...STEPS.map(([stage, words]) => el("li", { "data-stage": stage, text: words })));
  const node = el("div", { class: "calc-progress", id: "calc-progress" }, bar, list,
    el("p", { class: "calc-progress-note", text: "加载期间可以先填写下面的表格，输入会自动保存在本机浏览器。" }));

  /** Show `stage` (a worker's name for it); returns the words said, for the status line. */
  function show(stage) {
    const name = ALIASES[stage] || stage;
    const at = STEPS.findIndex(([key]) => key === name);
    if (at < 0) return null;
    const [, words, note] = STEPS[at];
    bar.value = at + 1;
    list.querySelectorAll("li").forEach((item, i) => {
      item.classList.toggle("calc-stage-done", i < at);
      item.classList.toggle("calc-stage-now", i === at);
      if (i === at) item.setAttribute("aria-current", "step");
      else item.removeAttribute("aria-current");
    });
    view.step = `第 ${at + 1} 步，共 ${STEPS.length} 步`;
    return `${view.step}：正在${words}${note ? `（${note}）` : ""}……`;
  }

  function done() {
    node.hidden = true;
    view.step = null;
  }

  // `step`: "第 1 步，共 3 步" while loading, null once the calculator is ready or has failed
  const view = { node, show, done, step: null };
  return view;
}
