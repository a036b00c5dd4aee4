"""数据导入 (admin): the template, an upload checked in full and previewed (new / updated / unchanged
rows per sheet, every problem), the choice to store only the valid rows, a confirm step, and the
history of imports. All reading, checking and storing is data_access.imports."""

import hashlib

import streamlit as st

from dashboard import ui
from dashboard.cache import query, write
from dashboard.context import get_context
from data_access import imports
from data_access.config import get_settings

ALL_OR_NOTHING = "全部不导入：改正后重新上传"
KEEP_VALID = "只导入无误的行，有错误的行下载后改正再导入"

ctx = get_context()
ui.header(ctx, caption="上传导入模板格式的工作簿：先检查和预览，确认后才写入；每次导入都有记录。")
limit_mb = get_settings().upload_limit_mb

st.subheader("第一步：按模板整理数据")
ui.download("下载导入模板（.xlsx）", imports.template_bytes(), "结对关爱导入模板.xlsx")
st.caption("模板含区划、对象、干部、结对、联系记录、诉求台账六张表，每张表都可选；列的顺序不限，多出的列会被忽略。"
           "日期可写作 2023-05-03、2023/5/3、2023年5月3日 或 20230503。也可上传以表名命名的 CSV 文件（UTF-8 或 GB18030）或其 .zip 压缩包。")

st.subheader("第二步：上传并检查")
ui.chinese_file_uploader(f"也可把文件拖到此处 · 每个文件不超过 {limit_mb} MB · xlsx、xls、csv、zip")
uploaded = st.file_uploader(f"选择文件（不超过 {limit_mb} MB）", type=["xlsx", "xls", "csv", "zip"], key="import_file")

if uploaded is not None:
    data = uploaded.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    preview = st.session_state.get("import_preview")
    if preview is None or preview[0] != digest:
        try:
            with st.spinner("正在逐行检查……"):
                result = write(imports.import_upload, data, uploaded.name, limit_mb=limit_mb,
                               actor=ctx.actor, policy=ctx.policy, dry_run=True)
        except imports.ImportFileError as exc:
            st.error(str(exc), icon=":material/error:")
            st.stop()
        preview = (digest, result)
        st.session_state["import_preview"] = preview
        st.session_state.pop("import_done", None)
    result = preview[1]
    done = st.session_state.get("import_done")
    stored_now = done is not None and done[0] == digest
    if not stored_now:
        st.markdown("**检查结果（尚未写入）**")
        ui.table(result.counts_frame())
    if result.ignored_sheets:
        st.caption(f"已忽略不属于模板的工作表：{'、'.join(result.ignored_sheets)}")
    choice = ALL_OR_NOTHING
    if result.problems:
        st.error(f"发现 {len(result.problems)} 个问题。按默认规则，有任何问题整个文件都不导入。", icon=":material/error:")
        ui.table(imports.problems_frame(result.problems), column_config={
            "行号": st.column_config.NumberColumn(width="small"), "问题": st.column_config.TextColumn(width="large")})
        choice = st.radio("怎么处理？", [ALL_OR_NOTHING, KEEP_VALID], key="import_choice")
    else:
        st.success("检查通过，没有发现问题。", icon=":material/check_circle:")

    if not stored_now:
        st.subheader("第三步：确认导入")
        blocked = bool(result.problems) and choice == ALL_OR_NOTHING
        if st.button("确认导入", type="primary", disabled=blocked, icon=":material/upload:"):
            try:
                with st.status("正在导入……", expanded=True) as progress:
                    stored = write(imports.import_upload, data, uploaded.name, limit_mb=limit_mb,
                                   actor=ctx.actor, policy=ctx.policy,
                                   dry_run=False, keep_valid=choice == KEEP_VALID, progress=progress.write)
                    progress.update(label="导入完成" if stored.stored else "未写入", state="complete")
            except imports.ImportFileError as exc:  # e.g. another import is running
                st.error(str(exc), icon=":material/error:")
                st.stop()
            st.session_state["import_done"] = (digest, stored)
            st.rerun()
        if blocked:
            st.caption("请改正以上问题后重新上传；或选择“只导入无误的行”。")
    else:
        stored = done[1]
        if stored.problems:
            st.success("已导入无误的行；有错误的行没有导入，可下载后改正再导入。", icon=":material/task_alt:")
        else:
            st.success("导入成功。", icon=":material/task_alt:")
        st.markdown("**实际写入**")
        ui.table(stored.counts_frame())
        if stored.rejects:
            ui.download("下载有错误的行（含“错误”列）", stored.rejects, f"有错误的行_{uploaded.name.rsplit('.', 1)[0]}.xlsx")

st.subheader("导入记录")
history = query(imports.history, 50)
if history.empty:
    ui.empty("还没有导入记录。")
else:
    ui.table(history, column_config={"时间": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})
    st.caption("“拒绝”表示文件有错误、没有写入任何数据；SHA-256 为文件校验值的前 12 位，可用来确认是哪一个文件。")
