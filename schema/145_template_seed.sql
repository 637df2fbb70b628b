-- Shipped templates, Japanese and English, for every step of the default
-- ladder (-3 email:pre_due; +1 email:overdue_1; +7 email:overdue_2;
-- +14 sms:overdue_sms; +21 call; +30 letter:final_notice; +45 agency), a
-- formal 督促状 letter for ladders that want one, and the collector alerts.
-- Polite first, firmer later; every one says that a payment crossing the
-- notice is fine.  They use only the names of the data contract
-- (ar.template_sample_data, docs/templates.md).

SET LOCAL ar.seeding = on;
INSERT INTO ar.template (template_code, channel, locale, subject, body, description, seeded) VALUES

-- Japanese ---------------------------------------------------------------------

('pre_due', 'email', 'ja', $t$【お支払期日のご案内】{{company.name}}$t$,
$t${{customer.name}}
ご担当者様

いつもお世話になっております。
{{company.name}}でございます。

下記のご請求につきまして、お支払期日が近づいてまいりましたので、ご案内申し上げます。
お手数をおかけいたしますが、お支払期日までにお振込みくださいますよう、よろしくお願い申し上げます。

■ご請求内容
{{#invoices}}
・請求書番号：{{invoice_no}}
　お支払期日：{{due_date}}
　ご請求金額：{{open_amount}}
{{/invoices}}

ご請求金額合計：{{total_amount}}

■お振込先
{{company.bank_account}}

すでにお手続きがお済みの場合は、本メールと行き違いとなりましたことをご容赦ください。
ご不明な点がございましたら、下記までお気軽にお問い合わせください。

今後ともよろしくお願い申し上げます。

――――――――――――――――――――
{{company.name}}
{{company.contact}}
――――――――――――――――――――
$t$, 'お支払期日前のご案内（期日の3日前、メール）', true),

('overdue_1', 'email', 'ja', $t$【お支払いのお願い】{{company.name}}$t$,
$t${{customer.name}}
ご担当者様

いつも大変お世話になっております。
{{company.name}}でございます。

下記のご請求につきまして、お支払期日を過ぎておりますが、{{today}}現在、弊社にてご入金を確認できておりません。
ご多忙のところ誠に恐れ入りますが、ご確認のうえ、{{pay_by}}までにお振込みくださいますようお願い申し上げます。

■ご請求内容
{{#invoices}}
・請求書番号：{{invoice_no}}
　お支払期日：{{due_date}}
　ご請求残高：{{open_amount}}
{{/invoices}}

未入金額合計：{{total_overdue}}

■お振込先
{{company.bank_account}}

本メールと行き違いでお支払いいただいている場合は、何卒ご容赦ください。
請求書がお手元に届いていない、ご請求内容に相違があるなどの場合は、お手数ですが下記までご連絡ください。

何卒よろしくお願い申し上げます。

――――――――――――――――――――
{{company.name}}
{{company.contact}}
――――――――――――――――――――
$t$, '期日経過後最初のお願い（期日の翌日、メール）', true),

('overdue_2', 'email', 'ja', $t$【再度のお願い】お支払いについて（{{company.name}}）$t$,
$t${{customer.name}}
ご担当者様

いつもお世話になっております。
{{company.name}}でございます。

先日お支払いのお願いをお送りいたしました下記のご請求につきまして、{{today}}現在もご入金を確認できておりません。
何かの手違いかとも存じますが、至急ご確認のうえ、{{pay_by}}までにお支払いくださいますよう、重ねてお願い申し上げます。

お支払いが難しいご事情がおありの場合は、お支払予定日を{{pay_by}}までに下記窓口へお知らせください。

■ご請求内容
{{#invoices}}
・請求書番号：{{invoice_no}}
　お支払期日：{{due_date}}（{{days_past_due}}日経過）
　ご請求残高：{{open_amount}}
{{/invoices}}

未入金額合計：{{total_overdue}}

■お振込先
{{company.bank_account}}

本メールと行き違いでお支払いいただいている場合は、ご容赦くださいますようお願い申し上げます。

――――――――――――――――――――
{{company.name}}
{{company.contact}}
――――――――――――――――――――
$t$, '再度のお願い（期日の7日後、メール）', true),

('overdue_sms', 'sms', 'ja', NULL,
$t$【{{company.name}}】お支払期日を過ぎたご請求（計{{total_overdue}}）のご入金を確認できておりません。{{pay_by}}までにお手続きをお願いいたします。行き違いの際はご容赦ください。お問合せ {{company.phone}}$t$,
'SMSでのお願い（期日の14日後）。口座情報やURLは載せない', true),

('call', 'call', 'ja', NULL,
$t$【電話督促】{{customer.name}}（取引先コード：{{customer.code}}）
電話番号：{{customer.phone}}
最長延滞日数：{{days_past_due}}日　未入金額合計：{{total_overdue}}（{{invoice_count}}件）

■対象のご請求
{{#invoices}}
・{{invoice_no}}　期日 {{due_date}}　残高 {{open_amount}}（{{days_past_due}}日経過）
{{/invoices}}

■通話で確認すること
・請求書がお手元に届いているか、ご請求内容に相違がないか
・お支払いが遅れている理由と、お支払予定日
・お支払予定日と金額のお約束をいただけた場合は、入金約束として登録する
・ご請求内容に異議がある場合は、係争として登録する
・通話の結果を対応記録に残す
$t$, '担当者への電話督促タスク（期日の21日後）', true),

('final_notice', 'letter', 'ja', $t$最終催告書$t$,
$t${{today}}

{{customer.name}}　御中

{{company.name}}
{{company.contact}}

最終催告書

前略　下記のご請求につきましては、これまで再三にわたりお支払いをお願いしてまいりましたが、本日に至るまでご入金を確認できておりません。

つきましては、{{pay_by}}までに下記金額を弊社指定口座へお振込みくださいますよう、本書をもって最終のご請求を申し上げます。
万一、上記期日までにお支払いもご連絡もいただけない場合は、誠に不本意ながら、債権回収の委託や法的手続きを含む然るべき措置を講じざるを得ませんので、あらかじめご承知おきください。

なお、本状と行き違いでお支払いいただいている場合は、ご容赦くださいますようお願い申し上げます。

草々

記

{{#invoices}}
請求書番号：{{invoice_no}}　請求日：{{issue_date}}　お支払期日：{{due_date}}　ご請求残高：{{open_amount}}
{{/invoices}}

ご請求残高合計：{{total_overdue}}
お支払期限：{{pay_by}}
お振込先：{{company.bank_account}}

以上
$t$, '最終催告書（期日の30日後、郵送）', true),

('dunning_letter', 'letter', 'ja', $t$督促状$t$,
$t${{today}}

{{customer.name}}　御中

{{company.name}}
{{company.contact}}

督促状

拝啓　時下ますますご清栄のこととお慶び申し上げます。平素は格別のお引き立てを賜り、厚く御礼申し上げます。

さて、下記のご請求につきまして、お支払期日を過ぎておりますが、本日現在ご入金を確認できておりません。
ご多忙のところ恐れ入りますが、{{pay_by}}までに下記口座へお振込みくださいますよう、お願い申し上げます。
お支払いが難しいご事情がございましたら、同日までに弊社担当までご連絡くださいますようお願いいたします。

なお、本状と行き違いでお支払いいただいている場合は、ご容赦くださいますようお願い申し上げます。

敬具

記

{{#invoices}}
請求書番号：{{invoice_no}}　お支払期日：{{due_date}}　ご請求残高：{{open_amount}}
{{/invoices}}

ご請求残高合計：{{total_overdue}}
お支払期限：{{pay_by}}
お振込先：{{company.bank_account}}

以上
$t$, '督促状（郵送）。既定の段階にはない。letter:dunning_letter として段階に加えて使う', true),

('agency', 'agency', 'ja', $t$債権回収業務のご依頼：{{customer.name}}（{{customer.code}}）$t$,
$t$債権回収業務のご依頼

下記の取引先に対する売掛金について、回収業務をご依頼いたします。
請求書、督促の経緯、入金約束および係争の記録は、添付のデータをご参照ください。

■債務者
名称：{{customer.name}}
取引先コード：{{customer.code}}
電話番号：{{customer.phone}}
メールアドレス：{{customer.email}}

■未回収債権
{{#invoices}}
・請求書番号：{{invoice_no}}　請求日：{{issue_date}}　お支払期日：{{due_date}}　請求額：{{amount}}　未回収残高：{{open_amount}}（{{days_past_due}}日経過）
{{/invoices}}

未回収残高合計：{{total_overdue}}（{{invoice_count}}件、最長延滞{{days_past_due}}日）
依頼日：{{today}}

■弊社窓口
{{company.name}}
{{company.contact}}
$t$, '債権回収会社への引継ぎ概要（期日の45日後）', true),

('broken_promise', 'internal', 'ja', $t$【入金約束不履行】{{customer.name}}（{{customer.code}}）$t$,
$t${{#collector}}
{{collector}}さん
{{/collector}}
{{^collector}}
債権管理ご担当各位
{{/collector}}

{{customer.name}}（取引先コード：{{customer.code}}）の入金約束が、期日までに履行されませんでした。督促を再開しています。

{{#promise}}
■入金約束
約束日：{{made_on}}
お支払予定日：{{promised_on}}
約束金額：{{amount}}
メモ：{{note}}
{{/promise}}

■現在の未入金
未入金額合計：{{total_overdue}}（{{invoice_count}}件、最長延滞{{days_past_due}}日）

お客様へご連絡のうえ、結果を対応記録に残してください。
$t$, '入金約束の不履行を担当者へ知らせる社内アラート', true),

('collector_alert', 'internal', 'ja', $t$【督促アラート】{{customer.name}}（{{customer.code}}）$t$,
$t${{#collector}}
{{collector}}さん
{{/collector}}
{{^collector}}
債権管理ご担当各位
{{/collector}}

{{customer.name}}（取引先コード：{{customer.code}}）がアラート条件に該当しました。
{{#alert}}
条件：{{rule}}（しきい値：{{threshold}}）
{{/alert}}

未入金額合計：{{total_overdue}}（{{invoice_count}}件）
最長延滞日数：{{days_past_due}}日

{{#invoices}}
・{{invoice_no}}　期日 {{due_date}}　残高 {{open_amount}}（{{days_past_due}}日経過）
{{/invoices}}

対応の要否をご判断のうえ、結果を対応記録に残してください。
$t$, 'アラート規則に該当した取引先を担当者へ知らせる社内アラート', true),

-- English ----------------------------------------------------------------------

('pre_due', 'email', 'en', $t$Payment reminder: invoices due soon ({{company.name}})$t$,
$t$Dear {{customer.name}},

This is a friendly reminder that the following invoices from {{company.name}} will soon be due:

{{#invoices}}
- Invoice {{invoice_no}}: {{open_amount}}, due {{due_date}}
{{/invoices}}

Total: {{total_amount}}

Please arrange payment by the due date to:
{{company.bank_account}}

If you have already paid, thank you, and please disregard this message.
If you have any questions, please contact us.

Kind regards,

{{company.name}}
{{company.contact}}
$t$, 'Reminder before the due date (3 days before, email)', true),

('overdue_1', 'email', 'en', $t$Overdue invoices: payment reminder ({{company.name}})$t$,
$t$Dear {{customer.name}},

According to our records, we have not yet received payment for the following invoices, which are now past their due date. This may simply be an oversight.

{{#invoices}}
- Invoice {{invoice_no}}: {{open_amount}} outstanding, due {{due_date}}
{{/invoices}}

Total overdue: {{total_overdue}}

We would be grateful if you could arrange payment by {{pay_by}} to:
{{company.bank_account}}

If your payment has crossed with this message, thank you, and please disregard it. If there is a problem with any of these invoices, please let us know.

Kind regards,

{{company.name}}
{{company.contact}}
$t$, 'First reminder after the due date (1 day after, email)', true),

('overdue_2', 'email', 'en', $t$Second reminder: overdue payment ({{company.name}})$t$,
$t$Dear {{customer.name}},

We wrote to you recently about the invoices below, and as of {{today}} we have still not received payment.

{{#invoices}}
- Invoice {{invoice_no}}: {{open_amount}} outstanding, due {{due_date}} ({{days_past_due}} days overdue)
{{/invoices}}

Total overdue: {{total_overdue}}

Please pay the full amount by {{pay_by}} to:
{{company.bank_account}}

If you are unable to pay by then, please contact us before that date so that we can agree on a payment date. If you have already paid, please disregard this message.

Regards,

{{company.name}}
{{company.contact}}
$t$, 'Second reminder (7 days after, email)', true),

('overdue_sms', 'sms', 'en', NULL,
$t${{company.name}}: your payment of {{total_overdue}} is overdue. Please pay by {{pay_by}}. Already paid? Please ignore this message. Questions: {{company.phone}}$t$,
'SMS reminder (14 days after); no bank details or links', true),

('call', 'call', 'en', NULL,
$t$Collection call: {{customer.name}} (customer {{customer.code}})
Phone: {{customer.phone}}
Oldest item {{days_past_due}} days past due; total overdue {{total_overdue}} ({{invoice_count}} invoices)

Invoices:
{{#invoices}}
- {{invoice_no}}: {{open_amount}}, due {{due_date}} ({{days_past_due}} days overdue)
{{/invoices}}

On the call:
- Confirm that the invoices were received and are not disputed
- Ask why payment is late and when it will be made
- If the customer commits to a date and amount, record a promise to pay
- If the customer contests an invoice, record a dispute
- Log the outcome of the call
$t$, 'Collector call task (21 days after)', true),

('final_notice', 'letter', 'en', $t$Final notice$t$,
$t${{today}}

{{customer.name}}

FINAL NOTICE

Dear {{customer.name}},

Despite our previous reminders, we have not received payment of the invoices listed below.

Please pay the full outstanding amount of {{total_overdue}} by {{pay_by}}. If we have neither received payment nor heard from you by that date, we will pass this debt to a collection agency or take legal action without further notice.

If you have already paid, please accept our apologies and disregard this letter.

{{#invoices}}
Invoice {{invoice_no}}, issued {{issue_date}}, due {{due_date}}: {{open_amount}} outstanding
{{/invoices}}

Total outstanding: {{total_overdue}}
Pay by: {{pay_by}}
Payment to: {{company.bank_account}}

Yours sincerely,

{{company.name}}
{{company.contact}}
$t$, 'Final notice before collection (30 days after, letter)', true),

('dunning_letter', 'letter', 'en', $t$Overdue account$t$,
$t${{today}}

{{customer.name}}

OVERDUE ACCOUNT

Dear {{customer.name}},

Our records show that the invoices listed below are past due and remain unpaid. We would ask you to pay the outstanding amount of {{total_overdue}} by {{pay_by}}.

If there is a reason why these invoices cannot be paid, please contact us by that date so that we can resolve it together.

If you have already paid, thank you, and please disregard this letter.

{{#invoices}}
Invoice {{invoice_no}}, due {{due_date}}: {{open_amount}} outstanding
{{/invoices}}

Total outstanding: {{total_overdue}}
Pay by: {{pay_by}}
Payment to: {{company.bank_account}}

Yours sincerely,

{{company.name}}
{{company.contact}}
$t$, 'Formal reminder letter; not in the default ladder, add a letter:dunning_letter step to use it', true),

('agency', 'agency', 'en', $t$Collection assignment: {{customer.name}} ({{customer.code}})$t$,
$t$Collection assignment

We assign to you the collection of the receivables below. The invoices, the history of our reminders, promises to pay and disputes are in the attached data.

Debtor
Name: {{customer.name}}
Customer code: {{customer.code}}
Phone: {{customer.phone}}
Email: {{customer.email}}

Outstanding invoices
{{#invoices}}
- {{invoice_no}}: issued {{issue_date}}, due {{due_date}}, amount {{amount}}, outstanding {{open_amount}} ({{days_past_due}} days overdue)
{{/invoices}}

Total outstanding: {{total_overdue}} ({{invoice_count}} invoices, oldest {{days_past_due}} days overdue)
Assigned on: {{today}}

Our contact
{{company.name}}
{{company.contact}}
$t$, 'Hand-off summary for the collection agency (45 days after)', true),

('broken_promise', 'internal', 'en', $t$Broken promise to pay: {{customer.name}} ({{customer.code}})$t$,
$t${{#collector}}
Hello {{collector}},
{{/collector}}
{{^collector}}
Hello,
{{/collector}}

{{customer.name}} (customer {{customer.code}}) did not keep their promise to pay. Dunning has resumed.

{{#promise}}
Promise
Made on: {{made_on}}
To pay on: {{promised_on}}
Amount: {{amount}}
Note: {{note}}
{{/promise}}

Now overdue: {{total_overdue}} ({{invoice_count}} invoices, oldest {{days_past_due}} days)

Please contact the customer and log the outcome.
$t$, 'Internal alert to the collector when a promise to pay is broken', true),

('collector_alert', 'internal', 'en', $t$Collections alert: {{customer.name}} ({{customer.code}})$t$,
$t${{#collector}}
Hello {{collector}},
{{/collector}}
{{^collector}}
Hello,
{{/collector}}

{{customer.name}} (customer {{customer.code}}) has triggered an alert.
{{#alert}}
Rule: {{rule}} (threshold {{threshold}})
{{/alert}}

Total overdue: {{total_overdue}} ({{invoice_count}} invoices)
Oldest item: {{days_past_due}} days past due

{{#invoices}}
- {{invoice_no}}: {{open_amount}}, due {{due_date}} ({{days_past_due}} days overdue)
{{/invoices}}

Please decide whether action is needed and log the outcome.
$t$, 'Internal alert to the collector when an alert rule fires', true);
RESET ar.seeding;
