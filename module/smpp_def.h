/*
 * smpp_def: SMPP 3.4 and 5.0 written down once, as data.
 *
 * The decoder (smpp.c) expands these lists into its tables: operations with
 * their mandatory fields in wire order, optional parameters (TLVs) by tag,
 * and command_status names.  Each list entry is one line of data; no
 * expansion contains control flow (the lesson of Kannel's smpp_pdu.def).
 *
 * Keys are the EMG names: the SMPP name upper case without underscores
 * (system_id -> SYSTEMID).  The number after a C-Octet String is its maximum
 * size including the NUL as the specifications give it (SMPP 5.0's where it
 * is larger); it is documentation only: the pdu log prints what came.
 *
 * Mandatory field types (SMPP_BODY_* lists, F(type, KEY, max)):
 *   INT1, INT2, INT4  big-endian unsigned integer of 1, 2 or 4 octets
 *   CSTR              C-Octet String (ends at a NUL)
 *   PASSWORD          C-Octet String printed as *** unless asked otherwise
 *   OSTR_PREV         Octet String whose length is the previous field
 *                     (short_message after sm_length)
 *   DEST_LIST         submit_multi dest_address entries, as many as the
 *                     previous field (number_of_dests)
 *   UNSUCCESS_LIST    submit_multi_resp unsuccess_sme entries, as many as
 *                     the previous field (no_unsuccess)
 *
 * TLV types (SMPP_TLVS, T(tag, KEY, type)):
 *   INT     typed Integer (bit masks included): big-endian value in decimal
 *   CSTR    typed C-Octet String
 *   OSTR    everything else (octet strings and structured values)
 *   DECOPT  ussd_service_op, alert_on_message_delivery: decimal, or empty
 *           when the TLV has no value octets
 *   broadcast_end_time is typed CSTR here on purpose (docs/pdu-log.md).
 */
#ifndef EMGDIAG_SMPP_DEF_H
#define EMGDIAG_SMPP_DEF_H

/* OP(command_id, NAME, body): body selects SMPP_BODY_<body>. */
/* clang-format off: the tables are data, one entry a line, aligned by hand. */
#define SMPP_OPERATIONS(OP)                                   \
    OP(0x80000000u, GENERIC_NACK, empty)                      \
    OP(0x00000001u, BIND_RECEIVER, bind)                      \
    OP(0x80000001u, BIND_RECEIVER_RESP, bind_resp)            \
    OP(0x00000002u, BIND_TRANSMITTER, bind)                   \
    OP(0x80000002u, BIND_TRANSMITTER_RESP, bind_resp)         \
    OP(0x00000003u, QUERY_SM, query_sm)                       \
    OP(0x80000003u, QUERY_SM_RESP, query_sm_resp)             \
    OP(0x00000004u, SUBMIT_SM, sm)                            \
    OP(0x80000004u, SUBMIT_SM_RESP, message_id)               \
    OP(0x00000005u, DELIVER_SM, sm)                           \
    OP(0x80000005u, DELIVER_SM_RESP, message_id)              \
    OP(0x00000006u, UNBIND, empty)                            \
    OP(0x80000006u, UNBIND_RESP, empty)                       \
    OP(0x00000007u, REPLACE_SM, replace_sm)                   \
    OP(0x80000007u, REPLACE_SM_RESP, empty)                   \
    OP(0x00000008u, CANCEL_SM, cancel_sm)                     \
    OP(0x80000008u, CANCEL_SM_RESP, empty)                    \
    OP(0x00000009u, BIND_TRANSCEIVER, bind)                   \
    OP(0x80000009u, BIND_TRANSCEIVER_RESP, bind_resp)         \
    OP(0x0000000Bu, OUTBIND, outbind)                         \
    OP(0x00000015u, ENQUIRE_LINK, empty)                      \
    OP(0x80000015u, ENQUIRE_LINK_RESP, empty)                 \
    OP(0x00000021u, SUBMIT_MULTI, submit_multi)               \
    OP(0x80000021u, SUBMIT_MULTI_RESP, submit_multi_resp)     \
    OP(0x00000102u, ALERT_NOTIFICATION, alert_notification)   \
    OP(0x00000103u, DATA_SM, data_sm)                         \
    OP(0x80000103u, DATA_SM_RESP, message_id)                 \
    OP(0x00000111u, BROADCAST_SM, broadcast_sm)               \
    OP(0x80000111u, BROADCAST_SM_RESP, message_id)            \
    OP(0x00000112u, QUERY_BROADCAST_SM, query_broadcast_sm)   \
    OP(0x80000112u, QUERY_BROADCAST_SM_RESP, message_id)      \
    OP(0x00000113u, CANCEL_BROADCAST_SM, cancel_broadcast_sm) \
    OP(0x80000113u, CANCEL_BROADCAST_SM_RESP, empty)

/* Mandatory parameters, wire order: F(type, KEY, max). */
#define SMPP_BODY_empty(F)

#define SMPP_BODY_bind(F)        \
    F(CSTR, SYSTEMID, 16)        \
    F(PASSWORD, PASSWORD, 9)     \
    F(CSTR, SYSTEMTYPE, 13)      \
    F(INT1, INTERFACEVERSION, 0) \
    F(INT1, ADDRTON, 0)          \
    F(INT1, ADDRNPI, 0)          \
    F(CSTR, ADDRESSRANGE, 41)

#define SMPP_BODY_bind_resp(F) F(CSTR, SYSTEMID, 16)

#define SMPP_BODY_outbind(F) \
    F(CSTR, SYSTEMID, 16)    \
    F(PASSWORD, PASSWORD, 9)

#define SMPP_BODY_message_id(F) F(CSTR, MESSAGEID, 65)

#define SMPP_BODY_query_sm(F) \
    F(CSTR, MESSAGEID, 65)    \
    F(INT1, SOURCEADDRTON, 0) \
    F(INT1, SOURCEADDRNPI, 0) \
    F(CSTR, SOURCEADDR, 21)

#define SMPP_BODY_query_sm_resp(F) \
    F(CSTR, MESSAGEID, 65)         \
    F(CSTR, FINALDATE, 17)         \
    F(INT1, MESSAGESTATE, 0)       \
    F(INT1, ERRORCODE, 0)

/* submit_sm and deliver_sm */
#define SMPP_BODY_sm(F)               \
    F(CSTR, SERVICETYPE, 6)           \
    F(INT1, SOURCEADDRTON, 0)         \
    F(INT1, SOURCEADDRNPI, 0)         \
    F(CSTR, SOURCEADDR, 21)           \
    F(INT1, DESTADDRTON, 0)           \
    F(INT1, DESTADDRNPI, 0)           \
    F(CSTR, DESTINATIONADDR, 21)      \
    F(INT1, ESMCLASS, 0)              \
    F(INT1, PROTOCOLID, 0)            \
    F(INT1, PRIORITYFLAG, 0)          \
    F(CSTR, SCHEDULEDELIVERYTIME, 17) \
    F(CSTR, VALIDITYPERIOD, 17)       \
    F(INT1, REGISTEREDDELIVERY, 0)    \
    F(INT1, REPLACEIFPRESENTFLAG, 0)  \
    F(INT1, DATACODING, 0)            \
    F(INT1, SMDEFAULTMSGID, 0)        \
    F(INT1, SMLENGTH, 0)              \
    F(OSTR_PREV, SHORTMESSAGE, 255)

#define SMPP_BODY_replace_sm(F)       \
    F(CSTR, MESSAGEID, 65)            \
    F(INT1, SOURCEADDRTON, 0)         \
    F(INT1, SOURCEADDRNPI, 0)         \
    F(CSTR, SOURCEADDR, 21)           \
    F(CSTR, SCHEDULEDELIVERYTIME, 17) \
    F(CSTR, VALIDITYPERIOD, 17)       \
    F(INT1, REGISTEREDDELIVERY, 0)    \
    F(INT1, SMDEFAULTMSGID, 0)        \
    F(INT1, SMLENGTH, 0)              \
    F(OSTR_PREV, SHORTMESSAGE, 255)

#define SMPP_BODY_cancel_sm(F) \
    F(CSTR, SERVICETYPE, 6)    \
    F(CSTR, MESSAGEID, 65)     \
    F(INT1, SOURCEADDRTON, 0)  \
    F(INT1, SOURCEADDRNPI, 0)  \
    F(CSTR, SOURCEADDR, 21)    \
    F(INT1, DESTADDRTON, 0)    \
    F(INT1, DESTADDRNPI, 0)    \
    F(CSTR, DESTINATIONADDR, 21)

#define SMPP_BODY_submit_multi(F)     \
    F(CSTR, SERVICETYPE, 6)           \
    F(INT1, SOURCEADDRTON, 0)         \
    F(INT1, SOURCEADDRNPI, 0)         \
    F(CSTR, SOURCEADDR, 21)           \
    F(INT1, NUMBEROFDESTS, 0)         \
    F(DEST_LIST, DESTADDRESS, 0)      \
    F(INT1, ESMCLASS, 0)              \
    F(INT1, PROTOCOLID, 0)            \
    F(INT1, PRIORITYFLAG, 0)          \
    F(CSTR, SCHEDULEDELIVERYTIME, 17) \
    F(CSTR, VALIDITYPERIOD, 17)       \
    F(INT1, REGISTEREDDELIVERY, 0)    \
    F(INT1, REPLACEIFPRESENTFLAG, 0)  \
    F(INT1, DATACODING, 0)            \
    F(INT1, SMDEFAULTMSGID, 0)        \
    F(INT1, SMLENGTH, 0)              \
    F(OSTR_PREV, SHORTMESSAGE, 255)

#define SMPP_BODY_submit_multi_resp(F) \
    F(CSTR, MESSAGEID, 65)             \
    F(INT1, NOUNSUCCESS, 0)            \
    F(UNSUCCESS_LIST, UNSUCCESSSME, 0)

#define SMPP_BODY_alert_notification(F) \
    F(INT1, SOURCEADDRTON, 0)           \
    F(INT1, SOURCEADDRNPI, 0)           \
    F(CSTR, SOURCEADDR, 65)             \
    F(INT1, ESMEADDRTON, 0)             \
    F(INT1, ESMEADDRNPI, 0)             \
    F(CSTR, ESMEADDR, 65)

#define SMPP_BODY_data_sm(F)       \
    F(CSTR, SERVICETYPE, 6)        \
    F(INT1, SOURCEADDRTON, 0)      \
    F(INT1, SOURCEADDRNPI, 0)      \
    F(CSTR, SOURCEADDR, 65)        \
    F(INT1, DESTADDRTON, 0)        \
    F(INT1, DESTADDRNPI, 0)        \
    F(CSTR, DESTINATIONADDR, 65)   \
    F(INT1, ESMCLASS, 0)           \
    F(INT1, REGISTEREDDELIVERY, 0) \
    F(INT1, DATACODING, 0)

#define SMPP_BODY_broadcast_sm(F)     \
    F(CSTR, SERVICETYPE, 6)           \
    F(INT1, SOURCEADDRTON, 0)         \
    F(INT1, SOURCEADDRNPI, 0)         \
    F(CSTR, SOURCEADDR, 21)           \
    F(CSTR, MESSAGEID, 65)            \
    F(INT1, PRIORITYFLAG, 0)          \
    F(CSTR, SCHEDULEDELIVERYTIME, 17) \
    F(CSTR, VALIDITYPERIOD, 17)       \
    F(INT1, REPLACEIFPRESENTFLAG, 0)  \
    F(INT1, DATACODING, 0)            \
    F(INT1, SMDEFAULTMSGID, 0)

#define SMPP_BODY_query_broadcast_sm(F) \
    F(CSTR, MESSAGEID, 65)              \
    F(INT1, SOURCEADDRTON, 0)           \
    F(INT1, SOURCEADDRNPI, 0)           \
    F(CSTR, SOURCEADDR, 21)

#define SMPP_BODY_cancel_broadcast_sm(F) \
    F(CSTR, SERVICETYPE, 6)              \
    F(CSTR, MESSAGEID, 65)               \
    F(INT1, SOURCEADDRTON, 0)            \
    F(INT1, SOURCEADDRNPI, 0)            \
    F(CSTR, SOURCEADDR, 21)

/* Optional parameters of SMPP 3.4 and 5.0, by tag: T(tag, KEY, type). */
#define SMPP_TLVS(T)                             \
    T(0x0005u, DESTADDRSUBUNIT, INT)             \
    T(0x0006u, DESTNETWORKTYPE, INT)             \
    T(0x0007u, DESTBEARERTYPE, INT)              \
    T(0x0008u, DESTTELEMATICSID, INT)            \
    T(0x000Du, SOURCEADDRSUBUNIT, INT)           \
    T(0x000Eu, SOURCENETWORKTYPE, INT)           \
    T(0x000Fu, SOURCEBEARERTYPE, INT)            \
    T(0x0010u, SOURCETELEMATICSID, INT)          \
    T(0x0017u, QOSTIMETOLIVE, INT)               \
    T(0x0019u, PAYLOADTYPE, INT)                 \
    T(0x001Du, ADDITIONALSTATUSINFOTEXT, CSTR)   \
    T(0x001Eu, RECEIPTEDMESSAGEID, CSTR)         \
    T(0x0030u, MSMSGWAITFACILITIES, INT)         \
    T(0x0201u, PRIVACYINDICATOR, INT)            \
    T(0x0202u, SOURCESUBADDRESS, OSTR)           \
    T(0x0203u, DESTSUBADDRESS, OSTR)             \
    T(0x0204u, USERMESSAGEREFERENCE, INT)        \
    T(0x0205u, USERRESPONSECODE, INT)            \
    T(0x020Au, SOURCEPORT, INT)                  \
    T(0x020Bu, DESTINATIONPORT, INT)             \
    T(0x020Cu, SARMSGREFNUM, INT)                \
    T(0x020Du, LANGUAGEINDICATOR, INT)           \
    T(0x020Eu, SARTOTALSEGMENTS, INT)            \
    T(0x020Fu, SARSEGMENTSEQNUM, INT)            \
    T(0x0210u, SCINTERFACEVERSION, INT)          \
    T(0x0302u, CALLBACKNUMPRESIND, INT)          \
    T(0x0303u, CALLBACKNUMATAG, OSTR)            \
    T(0x0304u, NUMBEROFMESSAGES, INT)            \
    T(0x0381u, CALLBACKNUM, OSTR)                \
    T(0x0420u, DPFRESULT, INT)                   \
    T(0x0421u, SETDPF, INT)                      \
    T(0x0422u, MSAVAILABILITYSTATUS, INT)        \
    T(0x0423u, NETWORKERRORCODE, OSTR)           \
    T(0x0424u, MESSAGEPAYLOAD, OSTR)             \
    T(0x0425u, DELIVERYFAILUREREASON, INT)       \
    T(0x0426u, MOREMESSAGESTOSEND, INT)          \
    T(0x0427u, MESSAGESTATE, INT)                \
    T(0x0428u, CONGESTIONSTATE, INT)             \
    T(0x0501u, USSDSERVICEOP, DECOPT)            \
    T(0x0600u, BROADCASTCHANNELINDICATOR, INT)   \
    T(0x0601u, BROADCASTCONTENTTYPE, OSTR)       \
    T(0x0602u, BROADCASTCONTENTTYPEINFO, OSTR)   \
    T(0x0603u, BROADCASTMESSAGECLASS, INT)       \
    T(0x0604u, BROADCASTREPNUM, INT)             \
    T(0x0605u, BROADCASTFREQUENCYINTERVAL, OSTR) \
    T(0x0606u, BROADCASTAREAIDENTIFIER, OSTR)    \
    T(0x0607u, BROADCASTERRORSTATUS, INT)        \
    T(0x0608u, BROADCASTAREASUCCESS, INT)        \
    T(0x0609u, BROADCASTENDTIME, CSTR)           \
    T(0x060Au, BROADCASTSERVICEGROUP, OSTR)      \
    T(0x060Bu, BILLINGIDENTIFICATION, OSTR)      \
    T(0x060Du, SOURCENETWORKID, CSTR)            \
    T(0x060Eu, DESTNETWORKID, CSTR)              \
    T(0x060Fu, SOURCENODEID, OSTR)               \
    T(0x0610u, DESTNODEID, OSTR)                 \
    T(0x0611u, DESTADDRNPRESOLUTION, INT)        \
    T(0x0612u, DESTADDRNPINFORMATION, OSTR)      \
    T(0x0613u, DESTADDRNPCOUNTRY, OSTR)          \
    T(0x1201u, DISPLAYTIME, INT)                 \
    T(0x1203u, SMSSIGNAL, INT)                   \
    T(0x1204u, MSVALIDITY, INT)                  \
    T(0x130Cu, ALERTONMESSAGEDELIVERY, DECOPT)   \
    T(0x1380u, ITSREPLYTYPE, INT)                \
    T(0x1383u, ITSSESSIONINFO, OSTR)

/* command_status values of SMPP 3.4 and 5.0: S(value, NAME). */
#define SMPP_STATUSES(S)                     \
    S(0x00000000u, ESME_ROK)                 \
    S(0x00000001u, ESME_RINVMSGLEN)          \
    S(0x00000002u, ESME_RINVCMDLEN)          \
    S(0x00000003u, ESME_RINVCMDID)           \
    S(0x00000004u, ESME_RINVBNDSTS)          \
    S(0x00000005u, ESME_RALYBND)             \
    S(0x00000006u, ESME_RINVPRTFLG)          \
    S(0x00000007u, ESME_RINVREGDLVFLG)       \
    S(0x00000008u, ESME_RSYSERR)             \
    S(0x0000000Au, ESME_RINVSRCADR)          \
    S(0x0000000Bu, ESME_RINVDSTADR)          \
    S(0x0000000Cu, ESME_RINVMSGID)           \
    S(0x0000000Du, ESME_RBINDFAIL)           \
    S(0x0000000Eu, ESME_RINVPASWD)           \
    S(0x0000000Fu, ESME_RINVSYSID)           \
    S(0x00000011u, ESME_RCANCELFAIL)         \
    S(0x00000013u, ESME_RREPLACEFAIL)        \
    S(0x00000014u, ESME_RMSGQFUL)            \
    S(0x00000015u, ESME_RINVSERTYP)          \
    S(0x00000033u, ESME_RINVNUMDESTS)        \
    S(0x00000034u, ESME_RINVDLNAME)          \
    S(0x00000040u, ESME_RINVDESTFLAG)        \
    S(0x00000042u, ESME_RINVSUBREP)          \
    S(0x00000043u, ESME_RINVESMCLASS)        \
    S(0x00000044u, ESME_RCNTSUBDL)           \
    S(0x00000045u, ESME_RSUBMITFAIL)         \
    S(0x00000048u, ESME_RINVSRCTON)          \
    S(0x00000049u, ESME_RINVSRCNPI)          \
    S(0x00000050u, ESME_RINVDSTTON)          \
    S(0x00000051u, ESME_RINVDSTNPI)          \
    S(0x00000053u, ESME_RINVSYSTYP)          \
    S(0x00000054u, ESME_RINVREPFLAG)         \
    S(0x00000055u, ESME_RINVNUMMSGS)         \
    S(0x00000058u, ESME_RTHROTTLED)          \
    S(0x00000061u, ESME_RINVSCHED)           \
    S(0x00000062u, ESME_RINVEXPIRY)          \
    S(0x00000063u, ESME_RINVDFTMSGID)        \
    S(0x00000064u, ESME_RX_T_APPN)           \
    S(0x00000065u, ESME_RX_P_APPN)           \
    S(0x00000066u, ESME_RX_R_APPN)           \
    S(0x00000067u, ESME_RQUERYFAIL)          \
    S(0x000000C0u, ESME_RINVOPTPARSTREAM)    \
    S(0x000000C1u, ESME_ROPTPARNOTALLWD)     \
    S(0x000000C2u, ESME_RINVPARLEN)          \
    S(0x000000C3u, ESME_RMISSINGOPTPARAM)    \
    S(0x000000C4u, ESME_RINVOPTPARAMVAL)     \
    S(0x000000FEu, ESME_RDELIVERYFAILURE)    \
    S(0x000000FFu, ESME_RUNKNOWNERR)         \
    S(0x00000100u, ESME_RSERTYPUNAUTH)       \
    S(0x00000101u, ESME_RPROHIBITED)         \
    S(0x00000102u, ESME_RSERTYPUNAVAIL)      \
    S(0x00000103u, ESME_RSERTYPDENIED)       \
    S(0x00000104u, ESME_RINVDCS)             \
    S(0x00000105u, ESME_RINVSRCADDRSUBUNIT)  \
    S(0x00000106u, ESME_RINVDSTADDRSUBUNIT)  \
    S(0x00000107u, ESME_RINVBCASTFREQINT)    \
    S(0x00000108u, ESME_RINVBCASTALIAS_NAME) \
    S(0x00000109u, ESME_RINVBCASTAREAFMT)    \
    S(0x0000010Au, ESME_RINVNUMBCAST_AREAS)  \
    S(0x0000010Bu, ESME_RINVBCASTCNTTYPE)    \
    S(0x0000010Cu, ESME_RINVBCASTMSGCLASS)   \
    S(0x0000010Du, ESME_RBCASTFAIL)          \
    S(0x0000010Eu, ESME_RBCASTQUERYFAIL)     \
    S(0x0000010Fu, ESME_RBCASTCANCELFAIL)    \
    S(0x00000110u, ESME_RINVBCAST_REP)       \
    S(0x00000111u, ESME_RINVBCASTSRVGRP)     \
    S(0x00000112u, ESME_RINVBCASTCHANIND)

/* clang-format on */

#endif
