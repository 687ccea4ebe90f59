"""The console's words in Korean (the default) and English.

`translator(lang)` is the `t()` of the templates: a key of `WORDS`, or the key itself
(phases, actions and roles fall back to their English code).
"""

from __future__ import annotations

from collections.abc import Callable

LANGUAGES = ("ko", "en")
DEFAULT = "ko"

WORDS: dict[str, tuple[str, str]] = {
    "app": ("나라장터 업무 콘솔", "Nara back office console"),
    "skip": ("본문으로 건너뛰기", "Skip to content"),
    "nav": ("주 메뉴", "Main menu"),
    "my_work": ("내 업무", "My work"),
    "weekly": ("주간 통계", "Weekly figures"),
    "logout": ("로그아웃", "Log out"),
    "switch": ("English", "한국어"),
    "login": ("패스키로 로그인", "Log in with a passkey"),
    "login_help": (
        "기기의 지문 또는 화면 잠금으로 로그인합니다.",
        "Log in with your device's fingerprint or screen lock.",
    ),
    "enrol": ("패스키 등록", "Enrol a passkey"),
    "enrol_help": (
        "일회용 링크로 이 기기에 패스키를 등록합니다.",
        "Enrol a passkey on this device with your one-time link.",
    ),
    "passkey_name": ("패스키 이름", "Passkey name"),
    "enrolled": ("패스키를 등록했습니다. 이제 로그인하세요.", "Passkey enrolled: log in now."),
    "waiting": ("나를 기다리는 업무", "Waiting for me"),
    "nothing_waiting": ("기다리는 업무가 없습니다.", "Nothing waits for you."),
    "tenders": ("기관의 입찰", "My agency's tenders"),
    "signatures": ("서명할 계약", "Contracts to sign"),
    "inspections": ("검사할 대금 청구", "Claims to inspect"),
    "all_claims": ("대금 청구", "Payment claims"),
    "phase": ("단계", "Phase"),
    "any_phase": ("전체", "Any"),
    "filter": ("보기", "Show"),
    "notice_no": ("공고번호", "Notice no"),
    "title": ("공고명", "Title"),
    "waits_for": ("기다리는 일", "Waits for"),
    "since": ("시작", "Since"),
    "deadline": ("마감 (KST)", "Deadline (KST)"),
    "opening_at": ("개찰 (KST)", "Opening (KST)"),
    "estimated_price": ("추정가격 (원)", "Estimated price (KRW)"),
    "next_page": ("다음 쪽", "Next page"),
    "total": ("전체 건수", "Total"),
    "terms": ("공고 내용", "Terms"),
    "timeline": ("진행 기록", "Timeline"),
    "ranking": ("개찰 결과", "Ranking"),
    "predetermined_price": ("예정가격 (원)", "Predetermined price (KRW)"),
    "lower_limit_rate": ("낙찰하한율 (%)", "Lower limit rate (%)"),
    "rank": ("순위", "Rank"),
    "business_no": ("사업자등록번호", "Business no"),
    "price": ("투찰금액 (원)", "Price (KRW)"),
    "bid_rate": ("투찰률 (%)", "Bid rate (%)"),
    "status": ("상태", "Status"),
    "actions": ("할 수 있는 일", "What you may do"),
    "no_actions": ("지금 할 수 있는 일이 없습니다.", "Nothing for you to do now."),
    "review": ("적격심사", "Qualification review"),
    "capability_score": ("수행능력 점수 (0–100)", "Capability score (0–100)"),
    "reason": ("사유", "Reason"),
    "review_submit": ("심사 결과 보내기", "Send the review"),
    "award": ("낙찰 승인", "Approve the award"),
    "award_submit": ("낙찰자로 승인", "Approve as winner"),
    "score": ("제안서 평가", "Score proposals"),
    "score_for": ("기술 점수", "Technical score"),
    "score_submit": ("점수 보내기", "Send the scores"),
    "extend": ("마감 연장", "Extend the deadline"),
    "new_deadline": ("새 마감 (KST)", "New deadline (KST)"),
    "new_opening": ("새 개찰 (KST)", "New opening (KST)"),
    "extend_submit": ("연장", "Extend"),
    "cancel": ("입찰 취소", "Cancel the tender"),
    "cancel_submit": ("취소", "Cancel"),
    "sign": ("계약 서명", "Sign the contract"),
    "sign_submit": ("기관을 대표해 서명", "Sign for the agency"),
    "done": ("처리했습니다.", "Done."),
    "payment": ("대금 지급", "Payment"),
    "kind": ("종류", "Kind"),
    "amount": ("금액 (원)", "Amount (KRW)"),
    "claimed_at": ("청구 (KST)", "Claimed (KST)"),
    "inspection_due": ("검사 기한 (KST)", "Inspection due (KST)"),
    "due_at": ("지급 기한 (KST)", "Payment due (KST)"),
    "overdue": ("지연", "Overdue"),
    "late_interest": ("지연이자 (원)", "Late interest (KRW)"),
    "legs_paid": ("지급된 이체", "Transfers paid"),
    "workflow_says": ("진행 상태", "As the workflow reports it"),
    "inspect": ("검사", "Inspection"),
    "accept": ("합격", "Accept"),
    "reject": ("불합격", "Reject"),
    "decision": ("판정", "Decision"),
    "inspect_submit": ("검사 결과 보내기", "Send the inspection"),
    "chart": ("일별 공고·개찰·낙찰·지급", "Announcements, openings, awards, payments per day"),
    "day": ("날짜", "Day"),
    "announcements": ("공고", "Announcements"),
    "openings": ("개찰", "Openings"),
    "awards": ("낙찰", "Awards"),
    "payments": ("지급", "Payments"),
    "week_of": ("주 시작일", "Week starting"),
    "bids_received": ("접수된 투찰 수", "Bids received"),
    "live_unknown": ("진행 상태를 지금 알 수 없습니다", "The process state is unknown now"),
    "problem": ("요청을 처리하지 못했습니다", "The request was refused"),
    "announced": ("공고", "announced"),
    "bidding": ("입찰 중", "bidding"),
    "closed": ("마감", "closed"),
    "opened": ("개찰", "opened"),
    "evaluating": ("심사 중", "evaluating"),
    "awarded": ("낙찰", "awarded"),
    "contracted": ("계약 체결", "contracted"),
    "paying": ("대금 지급 중", "paying"),
    "completed": ("완료", "completed"),
    "failed": ("유찰", "failed"),
    "cancelled": ("취소", "cancelled"),
    "advance": ("선금", "advance"),
    "progress": ("기성금", "progress"),
    "final": ("준공금", "final"),
    "claimed": ("청구됨", "claimed"),
    "accepted": ("검사 합격", "accepted"),
    "paid": ("지급 완료", "paid"),
    "rejected": ("반려", "rejected"),
    "officer": ("계약관", "officer"),
    "inspector": ("검사관", "inspector"),
    "supplier": ("공급자", "supplier"),
    "operator": ("운영자", "operator"),
    "auditor": ("감사인", "auditor"),
    "yes": ("예", "yes"),
    "no": ("아니오", "no"),
}


def translator(lang: str) -> Callable[[str], str]:
    """`t(key)` in `lang` (Korean unless "en")."""
    index = 1 if lang == "en" else 0

    def t(key: str) -> str:
        words = WORDS.get(key)
        return words[index] if words else key

    return t
